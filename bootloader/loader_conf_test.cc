#include "bootloader/loader_conf.hh"

#include <gtest/gtest.h>

namespace cairn::bootloader {
namespace {

TEST(LoaderConf, NewFileStartsWithTheHeader) {
  EXPECT_EQ(set_loader_conf_value("", "timeout", "3"), std::string(kLoaderConfHeader) + "timeout 3\n");
}

TEST(LoaderConf, SettingAKeyKeepsEverythingElse) {
  std::string text =
      "# mine\n"
      "timeout 10\n"
      "console-mode max\n"
      "timeout 12\n"
      "default debian-*";
  EXPECT_EQ(set_loader_conf_value(text, "timeout", "3"),
            "# mine\n"
            "timeout 3\n"
            "console-mode max\n"
            "default debian-*\n");
  EXPECT_EQ(set_loader_conf_value(text, "editor", "no"), text + "\neditor no\n");
}

TEST(LoaderConf, CarriageReturnsEndLinesAsForSystemdBoot) {
  // systemd-boot splits at "\r" too: the lone-"\r" line "default b" counts,
  // so setting the default must replace it as well (found by fuzzing).
  std::string text = "default x\nfoo\rdefault b\r\ntimeout 3\n";
  std::string set = set_loader_conf_value(text, "default", "c");
  EXPECT_EQ(set, "default c\nfoo\rtimeout 3\n");
  EXPECT_EQ(loader_conf_value(set, "default"), "c");
}

TEST(LoaderConf, TheLastLineWinsWhenReading) {
  EXPECT_EQ(loader_conf_value("default a\n# default b\ndefault  \"c*\"\n", "default"), "c*");
  EXPECT_EQ(loader_conf_value("timeout 3\n", "default"), std::nullopt);
}

}  // namespace
}  // namespace cairn::bootloader
