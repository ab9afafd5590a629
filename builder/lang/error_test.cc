// format_error and format_pos: the text users read when something fails.
#include <gtest/gtest.h>

#include "builder/lang/error.hh"

namespace cairn::lang {
namespace {

TEST(Error, FormatsMessagePositionSourceLineAndCaret) {
  PosTable table;
  uint32_t base = table.add_origin("/x/host.nix", std::make_shared<const std::string>("{\n  a =\tbad;\n}\n"));
  EvalError e("undefined variable 'bad'", table.at(base, 8));
  EXPECT_EQ(format_error(e, table),
            "error: undefined variable 'bad'\n"
            "       at /x/host.nix:2:7:\n"
            "           2|   a = bad;\n"
            "            |       ^");
  EXPECT_EQ(format_pos(table.at(base, 8), table), "/x/host.nix:2:7");
}

TEST(Error, MultiLineMessagesAreIndented) {
  PosTable table;
  EvalError e("first\nsecond");
  EXPECT_EQ(format_error(e, table), "error: first\n       second");
}

TEST(Error, TracesFollowTheMessage) {
  PosTable table;
  uint32_t base = table.add_origin("f.nix", std::make_shared<const std::string>("f 1"));
  EvalError e("boom", table.at(base, 2));
  e.with_trace(table.at(base, 0), "while calling 'f'");
  EXPECT_EQ(format_error(e, table),
            "error: boom\n"
            "       at f.nix:1:3:\n"
            "           1| f 1\n"
            "            |   ^\n"
            "       … while calling 'f'\n"
            "         at f.nix:1:1:\n"
            "             1| f 1\n"
            "              | ^");
}

TEST(Error, DeepTracesAreElided) {
  PosTable table;
  EvalError e("deep");
  for (int i = 0; i < 100; ++i) e.with_trace({}, "frame " + std::to_string(i));
  std::string out = format_error(e, table);
  EXPECT_NE(out.find("… frame 14"), std::string::npos);
  EXPECT_EQ(out.find("… frame 15\n"), std::string::npos);
  EXPECT_NE(out.find("… 75 more frames …"), std::string::npos);
  EXPECT_NE(out.find("… frame 99"), std::string::npos);
}

TEST(Error, PositionAtEndOfFileResolves) {
  PosTable table;
  uint32_t base = table.add_origin("e.nix", std::make_shared<const std::string>("(1"));
  EXPECT_EQ(format_pos(table.at(base, 2), table), "e.nix:1:3");
  EXPECT_EQ(format_pos(PosIdx{}, table), "«unknown»");
}

}  // namespace
}  // namespace cairn::lang
