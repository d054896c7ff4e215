/*
 * imgmeta: removes what an image says about itself — where and when a
 * photograph was taken, with which camera, by whom, its thumbnail, its
 * comments — before the image is published, leaving the picture itself
 * byte for byte as it was.
 *
 * Every kind is handled by keeping what is known to be needed to show the
 * picture and dropping the rest, so that metadata in a form nobody listed
 * does not slip through:
 *   JPEG  keeps the frame, tables, restart and scan segments (the coded
 *         data copied verbatim) and two application segments that hold
 *         only numbers: JFIF (APP0, its thumbnail dropped) and Adobe
 *         (APP14, needed to show CMYK colours). EXIF and GPS (APP1), XMP,
 *         ICC profiles (APP2: a profile's description can be a person's
 *         name for their display), every other APPn and comments go, and
 *         so does anything after the end-of-image marker.
 *   PNG   keeps every critical chunk and the ancillary ones that change
 *         how the picture looks (transparency, gamma, colour space as
 *         numbers, pixel size, animation); text (tEXt, zTXt, iTXt), eXIf,
 *         tIME, iCCP and unknown chunks go.
 *   GIF   keeps the images, graphic control and plain-text extensions and
 *         the looping extension of animations; comments and every other
 *         application extension (XMP among them) go.
 *   WebP  keeps the image, alpha and animation chunks; EXIF, XMP, ICCP and
 *         unknown chunks go, and the header's flags and size say so.
 * TIFF, HEIF (HEIC, AVIF) and JPEG XL images carry the same camera
 * metadata but in a layout this module does not rewrite: they are an
 * error, so that a photograph is never published with its location.
 * Other files (PDF, SVG, BMP…) are not images here and are left alone.
 *
 * Damaged or truncated images are an error naming the file; every length
 * is checked against what is there, and the work is linear in the size.
 * Thread-safe: no state.
 */
#ifndef CB_IMGMETA_H
#define CB_IMGMETA_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Whether path's name says it is an image of a kind this module strips or
 * refuses (.jpg, .png, .gif, .webp, .tif, .heic…): what a link's check
 * reads. */
bool cb_imgmeta_named(const char *path);

/* Removes the metadata of the image data holds (its kind from its first
 * bytes, whatever its name). 1: an image, *out holds it without its
 * metadata (*outlen bytes; caller frees). 0: not an image, nothing
 * allocated, data is published as it is. -1 with err (naming name, the
 * file): a damaged image, one whose metadata cannot be removed, or a file
 * named as an image (cb_imgmeta_named) that is none of these. */
int cb_imgmeta_strip(const char *name, const char *data, size_t len, char **out, size_t *outlen,
		     cb_error *err);

#endif
