// The caches a desktop's libraries read, which Debian builds from dpkg
// triggers and an image must carry: GLib's compiled GSettings schemas
// (libglib2.0-0's trigger on usr/share/glib-2.0/schemas) and the
// freedesktop.org MIME database (shared-mime-info's trigger on
// usr/share/mime/packages).
//
// Without gschemas.compiled every program that reads a GSettings key —
// nm-applet, GTK's file chooser — aborts with "Settings schema … is not
// installed"; without the MIME database files are of unknown type to
// file managers and xdg-open. Both tools are the build machine's
// (glib-compile-schemas from libglib2.0-bin, update-mime-database from
// shared-mime-info), found on PATH by name; both read text and write
// architecture-independent little-endian or network-order files, so a
// cross-built image gets the same bytes. Like caches.hh, each returns what
// it wrote, relative to the root.
#pragma once

#include <string>

#include "base/error.hh"
#include "builder/compose/caches.hh"

namespace cairn::compose {

/// usr/share/glib-2.0/schemas/gschemas.compiled from the *.gschema.xml and
/// *.gschema.override files there. Skipped when there are no schemas.
[[nodiscard]] Result<CacheOutput> build_gsettings_schemas(const std::string& root);

/// usr/share/mime/{mime.cache, globs, magic, …, <media>/<type>.xml} from
/// usr/share/mime/packages/*.xml. `written` lists every file the tool made
/// (sorted). Skipped when there are no package files.
[[nodiscard]] Result<CacheOutput> build_mime_database(const std::string& root);

}  // namespace cairn::compose
