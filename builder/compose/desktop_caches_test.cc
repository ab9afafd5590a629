#include "builder/compose/desktop_caches.hh"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "base/files.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(write_file_atomic(path, text));
}

constexpr std::string_view kSchema = R"(<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <schema id="org.example.cairn" path="/org/example/cairn/">
    <key name="greeting" type="s"><default>'hello'</default></key>
  </schema>
</schemalist>
)";

TEST(GSettingsSchemas, CompiledSoThatGsettingsReadsTheDefaults) {
  TempDir root("gschemas");
  put(root / "usr/share/glib-2.0/schemas/org.example.cairn.gschema.xml", std::string(kSchema));
  put(root / "usr/share/glib-2.0/schemas/90_cairn.gschema.override", "[org.example.cairn]\ngreeting='hi'\n");
  auto out = build_gsettings_schemas(root.path());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->written, (std::vector<std::string>{"usr/share/glib-2.0/schemas/gschemas.compiled"}));
  EXPECT_TRUE(out->skipped.empty());
  auto gsettings = run("gsettings", {"--schemadir", root / "usr/share/glib-2.0/schemas", "get",
                                     "org.example.cairn", "greeting"});
  if (!gsettings) GTEST_SKIP() << gsettings.error().message;
  EXPECT_EQ(gsettings->out, "'hi'\n") << gsettings->err;
}

TEST(GSettingsSchemas, NoSchemasNothingWritten) {
  TempDir root("gschemas");
  fs::create_directories(root / "usr/share/glib-2.0/schemas");
  auto out = build_gsettings_schemas(root.path());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->written.empty());
  EXPECT_EQ(out->skipped, "the tree has no GSettings schemas (usr/share/glib-2.0/schemas/*.gschema.xml)");
  EXPECT_FALSE(fs::exists(root / "usr/share/glib-2.0/schemas/gschemas.compiled"));
}

TEST(GSettingsSchemas, ABrokenSchemaIsLeftOutWithANoteAsDebiansTriggerDoes) {
  TempDir root("gschemas");
  put(root / "usr/share/glib-2.0/schemas/org.example.cairn.gschema.xml", std::string(kSchema));
  put(root / "usr/share/glib-2.0/schemas/org.example.bad.gschema.xml", "<schemalist><schema id=");
  auto out = build_gsettings_schemas(root.path());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->written, (std::vector<std::string>{"usr/share/glib-2.0/schemas/gschemas.compiled"}));
  ASSERT_EQ(out->notes.size(), 1u);
  EXPECT_NE(out->notes[0].find("org.example.bad.gschema.xml:1:24"), std::string::npos) << out->notes[0];
  EXPECT_NE(out->notes[0].find("This entire file has been ignored."), std::string::npos) << out->notes[0];
}

constexpr std::string_view kMimePackage = R"(<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/x-cairn-generation">
    <comment>cairn generation image</comment>
    <glob pattern="*.cairngen"/>
  </mime-type>
</mime-info>
)";

TEST(MimeDatabase, BuiltFromThePackagesDefinitions) {
  TempDir root("mime");
  put(root / "usr/share/mime/packages/cairn.xml", std::string(kMimePackage));
  auto out = build_mime_database(root.path());
  ASSERT_TRUE(out) << out.error().message;
  for (const char* f : {"usr/share/mime/mime.cache", "usr/share/mime/globs2",
                        "usr/share/mime/application/x-cairn-generation.xml"})
    EXPECT_NE(std::ranges::find(out->written, f), out->written.end()) << f;
  EXPECT_TRUE(std::ranges::is_sorted(out->written));
  EXPECT_EQ(std::ranges::find(out->written, "usr/share/mime/packages/cairn.xml"), out->written.end());
  auto globs = read_file(root / "usr/share/mime/globs2");
  ASSERT_TRUE(globs) << globs.error().message;
  EXPECT_NE(globs->find("application/x-cairn-generation:*.cairngen"), std::string::npos) << *globs;
}

TEST(MimeDatabase, NoDefinitionsNothingWritten) {
  TempDir root("mime");
  auto out = build_mime_database(root.path());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->written.empty());
  EXPECT_EQ(out->skipped, "the tree has no MIME type definitions (usr/share/mime/packages/*.xml)");
}

}  // namespace
}  // namespace cairn::compose
