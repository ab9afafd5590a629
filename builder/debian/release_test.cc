// Tests for InRelease verification with real signatures: a throwaway GnuPG
// home makes keys (one trusted, one not, one that expired in 2021),
// clearsigns Release texts with them, and the real gpgv checks them. Covered:
// a good file, a tampered one, the wrong key, several keyrings, missing and
// armored keyrings, an expired signing key, Valid-Until, text outside the
// signed part, a gpgv that lies about what it verified, missing and broken
// fields, and the choice of the Packages index. Messages are checked word
// for word. Needs gpg and gpgv; skips with the reason when they are missing.
#include "builder/debian/release.hh"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"

namespace cairn::debian {
namespace {

using namespace std::chrono;
using Strings = std::vector<std::string>;

const std::string kWhere = "http://mirror.test/debian/dists/bookworm";

// The SHA-256 of a word, to fill SHA256 lines.
std::string h(std::string_view word) { return sha256_hex(word); }

std::string release_text(std::string_view valid_until = "Sat, 17 Feb 2024 09:43:53 UTC") {
  std::string text =
      "Origin: Debian\n"
      "Label: Debian\n"
      "Suite: stable\n"
      "Version: 12.5\n"
      "Codename: bookworm\n"
      "Date: Sat, 10 Feb 2024 09:43:53 UTC\n";
  if (!valid_until.empty()) text += "Valid-Until: " + std::string(valid_until) + "\n";
  text +=
      "Acquire-By-Hash: yes\n"
      "Architectures: all amd64 arm64\n"
      "Components: main contrib non-free-firmware\n"
      "Description: Debian 12.5 Released 10 February 2024\n"
      "MD5Sum:\n"
      " 0123456789abcdef0123456789abcdef 1000 main/binary-amd64/Packages\n"
      "SHA256:\n"
      " " + h("p") + "     1000 main/binary-amd64/Packages\n"
      " " + h("gz") + "      200 main/binary-amd64/Packages.gz\n"
      " " + h("xz") + "      150 main/binary-amd64/Packages.xz\n"
      " " + h("arm") + "      180 main/binary-arm64/Packages.gz\n";
  return text;
}

// A throwaway GnuPG home with keys, for the whole suite.
class Keys {
 public:
  Keys() {
    std::string t = (std::filesystem::temp_directory_path() / "cairn-release-XXXXXX").string();
    dir_ = ::mkdtemp(t.data());
    home_ = dir_ + "/gnupg";
    std::filesystem::create_directory(home_);
    std::filesystem::permissions(home_, std::filesystem::perms::owner_all);
  }
  ~Keys() {
    // gpg started an agent for this home; stop it before the home goes.
    RunOptions options;
    options.env = {"GNUPGHOME=" + home_};
    (void)run("gpgconf", {"--kill", "all"}, options);
    std::filesystem::remove_all(dir_);
  }
  const std::string& dir() const { return dir_; }

  // Runs gpg in this home; an empty result on failure (with a test failure).
  std::optional<std::string> gpg(Strings args, std::optional<std::string_view> input = std::nullopt) {
    args.insert(args.begin(), {"--batch", "--yes", "--no-tty", "--passphrase", "", "--pinentry-mode", "loopback"});
    RunOptions options;
    options.env = {"GNUPGHOME=" + home_, "LC_ALL=C"};
    options.stdin_data = input;
    auto got = run("gpg", args, options);
    if (!got) {
      ADD_FAILURE() << got.error().message;
      return std::nullopt;
    }
    if (!got->success()) {
      ADD_FAILURE() << "gpg " << got->describe() << ": " << got->err;
      return std::nullopt;
    }
    return got->out;
  }

  // Makes a signing key for `uid`, exports it as the binary keyring
  // `<dir>/<name>.gpg` and returns its fingerprint. `faked_time` (gpg's
  // format) makes it in the past; `expire` as for --quick-gen-key.
  std::string make_key(const std::string& name, const std::string& uid, const std::string& expire = "never",
                       const std::string& faked_time = "") {
    Strings args;
    if (!faked_time.empty()) args = {"--faked-system-time", faked_time};
    args.insert(args.end(), {"--quick-gen-key", uid, "ed25519", "sign", expire});
    if (!gpg(args)) return "";
    auto listing = gpg({"--with-colons", "--fingerprint", uid});
    if (!listing) return "";
    auto pos = listing->find("\nfpr:");
    auto end = listing->find('\n', pos + 1);
    std::string line = listing->substr(pos + 1, end - pos - 1);
    std::string fpr = line.substr(line.rfind(':', line.size() - 2) + 1);
    fpr.pop_back();  // the trailing ':'
    auto exported = gpg({"--export", fpr});
    if (!exported) return "";
    EXPECT_TRUE(write_file_atomic(keyring(name), *exported));
    return fpr;
  }

  std::string keyring(const std::string& name) const { return dir_ + "/" + name + ".gpg"; }

  // Clearsigns `text` with the key `fpr`.
  std::string clearsign(std::string_view text, const std::string& fpr, const std::string& faked_time = "") {
    Strings args;
    if (!faked_time.empty()) args = {"--faked-system-time", faked_time};
    args.insert(args.end(), {"--local-user", fpr, "--digest-algo", "SHA256", "--clearsign", "--output", "-"});
    return gpg(args, text).value_or("");
  }

 private:
  std::string dir_;
  std::string home_;
};

class ReleaseVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* tool : {"gpg", "gpgv", "gpgconf"})
      if (auto found = find_program(tool); !found) {
        skip_reason_ = found.error().message + ": install gnupg and gpgv to run these tests";
        return;
      }
    keys_ = new Keys;
    trusted_ = keys_->make_key("trusted", "cairn test <release@cairn.test>");
    other_ = keys_->make_key("other", "someone else <other@cairn.test>");
    // Made in 2020, expired at the start of 2021; signs in 2020.
    expired_ = keys_->make_key("expired", "old key <old@cairn.test>", "1y", "20200101T000000!");
    good_ = keys_->clearsign(release_text(), trusted_);
  }
  static void TearDownTestSuite() {
    delete keys_;
    keys_ = nullptr;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_FALSE(good_.empty());
  }

  static ReleaseCheck check() {
    ReleaseCheck c;
    c.keyrings = {keys_->keyring("trusted")};
    c.now = sys_days{2024y / February / 12};
    c.suite = "bookworm";
    return c;
  }

  static std::string error_of(std::string_view file, const ReleaseCheck& c = check()) {
    auto got = verify_inrelease(file, kWhere, c);
    EXPECT_FALSE(got);
    return got ? "" : got.error().message;
  }

  static inline Keys* keys_ = nullptr;
  static inline std::string skip_reason_;
  static inline std::string trusted_, other_, expired_, good_;
};

TEST_F(ReleaseVerify, GoodSignature) {
  auto got = verify_inrelease(good_, kWhere, check());
  ASSERT_TRUE(got) << got.error().message;
  const Release& r = *got;
  EXPECT_EQ(r.location, kWhere);
  EXPECT_EQ(r.origin, "Debian");
  EXPECT_EQ(r.label, "Debian");
  EXPECT_EQ(r.suite, "stable");
  EXPECT_EQ(r.codename, "bookworm");
  EXPECT_EQ(r.version, "12.5");
  EXPECT_EQ(r.date, "Sat, 10 Feb 2024 09:43:53 UTC");
  EXPECT_EQ(r.date_time, sys_days{2024y / February / 10} + 9h + 43min + 53s);
  EXPECT_EQ(r.valid_until, "Sat, 17 Feb 2024 09:43:53 UTC");
  EXPECT_EQ(r.valid_until_time, sys_days{2024y / February / 17} + 9h + 43min + 53s);
  EXPECT_EQ(r.architectures, (Strings{"all", "amd64", "arm64"}));
  EXPECT_EQ(r.components, (Strings{"main", "contrib", "non-free-firmware"}));
  EXPECT_TRUE(r.acquire_by_hash);
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[0].path, "main/binary-amd64/Packages");
  EXPECT_EQ(r.files[0].size, 1000u);
  EXPECT_EQ(r.files[0].sha256, h("p"));
  EXPECT_EQ(r.files[3].path, "main/binary-arm64/Packages.gz");
  EXPECT_EQ(r.text, release_text());
  EXPECT_EQ(r.inrelease_sha256, sha256_hex(good_));
  EXPECT_EQ(r.signers, Strings{trusted_});
}

// The codename or the suite may be asked for; no suite means no check.
TEST_F(ReleaseVerify, SuiteOrCodename) {
  auto c = check();
  c.suite = "stable";
  EXPECT_TRUE(verify_inrelease(good_, kWhere, c));
  c.suite = "";
  EXPECT_TRUE(verify_inrelease(good_, kWhere, c));
  c.suite = "trixie";
  EXPECT_EQ(error_of(good_, c),
            "InRelease of " + kWhere +
                ": it is for suite `stable' (codename `bookworm'), not `trixie': the mirror serves another release "
                "there; check the suite and the mirror URI");
}

TEST_F(ReleaseVerify, TamperedText) {
  std::string tampered = good_;
  auto at = tampered.find(h("xz"));
  tampered.replace(at, 64, h("evil"));
  EXPECT_EQ(error_of(tampered),
            "InRelease of " + kWhere + ": the signature does not verify against " + keys_->keyring("trusted") +
                ": BAD signature from \"cairn test <release@cairn.test>\"; the file was changed after it was "
                "signed, so nothing in it was used: fetch it again, and if this persists use another mirror");
}

TEST_F(ReleaseVerify, SignedByAnotherKey) {
  std::string file = keys_->clearsign(release_text(), other_);
  EXPECT_EQ(error_of(file),
            "InRelease of " + kWhere + ": the signature does not verify against " + keys_->keyring("trusted") +
                ": Can't check signature: No public key; it is signed by key " + other_.substr(24) +
                ", which none of the keyrings holds: configure the keyring of this archive, or check the mirror "
                "URI");
}

// Any one of several keyrings may hold the key.
TEST_F(ReleaseVerify, SeveralKeyrings) {
  auto c = check();
  c.keyrings = {keys_->keyring("other"), keys_->keyring("trusted")};
  auto got = verify_inrelease(good_, kWhere, c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->signers, Strings{trusted_});

  c.keyrings = {keys_->keyring("other"), keys_->keyring("expired")};
  EXPECT_EQ(error_of(good_, c),
            "InRelease of " + kWhere + ": the signature does not verify against " + keys_->keyring("other") + ", " +
                keys_->keyring("expired") + ": Can't check signature: No public key; it is signed by key " +
                trusted_.substr(24) +
                ", which none of the keyrings holds: configure the keyring of this archive, or check the mirror "
                "URI");
}

// Debian signs with several keys; one good signature from a known key is
// enough, whatever gpgv's exit status says about the others.
TEST_F(ReleaseVerify, OneGoodSignatureOfTwo) {
  std::string file = keys_->gpg({"--local-user", trusted_, "--local-user", other_, "--clearsign", "--output", "-"},
                                release_text())
                         .value_or("");
  auto got = verify_inrelease(file, kWhere, check());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->signers, Strings{trusted_});
}

TEST_F(ReleaseVerify, ExpiredSigningKey) {
  std::string file = keys_->clearsign(release_text(), expired_, "20200601T000000!");
  auto c = check();
  c.keyrings = {keys_->keyring("expired")};
  EXPECT_EQ(error_of(file, c),
            "InRelease of " + kWhere + ": the signature does not verify against " + keys_->keyring("expired") +
                ": the signing key " + expired_.substr(24) +
                " \"old key <old@cairn.test>\" has expired; update the keyring (debian-archive-keyring) or use a "
                "mirror of a current archive");
}

TEST_F(ReleaseVerify, MissingKeyring) {
  auto c = check();
  c.keyrings = {keys_->keyring("trusted"), keys_->dir() + "/missing.gpg"};
  EXPECT_EQ(error_of(good_, c), "InRelease of " + kWhere + ": keyring " + keys_->dir() +
                                    "/missing.gpg does not exist; install the package that provides it "
                                    "(debian-archive-keyring for Debian's archive) or configure another keyring");
  c.keyrings = {};
  EXPECT_EQ(error_of(good_, c), "InRelease of " + kWhere +
                                    ": no keyring is configured to check its signature with; configure one (the "
                                    "default is /usr/share/keyrings/debian-archive-keyring.gpg)");
}

TEST_F(ReleaseVerify, ArmoredKeyring) {
  auto armored = keys_->gpg({"--armor", "--export", trusted_});
  ASSERT_TRUE(armored);
  std::string path = keys_->dir() + "/trusted.asc";
  ASSERT_TRUE(write_file_atomic(path, *armored));
  auto c = check();
  c.keyrings = {path};
  EXPECT_EQ(error_of(good_, c), "InRelease of " + kWhere + ": keyring " + path +
                                    " is ASCII-armored, which gpgv cannot read; convert it with `gpg --dearmor' "
                                    "and configure the result");
}

TEST_F(ReleaseVerify, ValidUntil) {
  auto c = check();
  c.now = sys_days{2024y / February / 17} + 9h + 43min + 53s;  // the last valid second
  EXPECT_TRUE(verify_inrelease(good_, kWhere, c));
  c.now += 1s;
  EXPECT_EQ(error_of(good_, c),
            "InRelease of " + kWhere +
                ": expired at Sat, 17 Feb 2024 09:43:53 UTC (its Valid-Until); it is now Sat, 17 Feb 2024 09:43:54 "
                "UTC: the mirror has stopped updating, or this machine's clock is wrong; use an up-to-date mirror "
                "or fix the clock");
  // Without Valid-Until it never expires.
  std::string file = keys_->clearsign(release_text(""), trusted_);
  c.now = sys_days{2100y / January / 1};
  auto got = verify_inrelease(file, kWhere, c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->valid_until_time);
}

// Nothing outside the one signed message is accepted, not even where gpgv
// itself would pass the signature.
TEST_F(ReleaseVerify, TextOutsideTheSignedPart) {
  EXPECT_EQ(error_of("Origin: Evil\n" + good_),
            "InRelease of " + kWhere +
                ": is not a clearsigned file (its first line is not `-----BEGIN PGP SIGNED MESSAGE-----'): the server "
                "sent something else, such as an error page; check the mirror URI");
  std::string after = good_ + "\nSHA256:\n " + h("evil") + " 1 main/binary-amd64/Packages.xz\n";
  int lines = static_cast<int>(std::count(good_.begin(), good_.end(), '\n'));
  EXPECT_EQ(error_of(after), "InRelease of " + kWhere + ": line " + std::to_string(lines + 2) +
                                 ": text after the signature, which the signature does not cover: refusing the "
                                 "whole file; the mirror or something between it and cairn altered it");
  // Two signed messages in one file.
  EXPECT_EQ(error_of(good_ + good_), "InRelease of " + kWhere + ": line " + std::to_string(lines + 1) +
                                         ": text after the signature, which the signature does not cover: refusing "
                                         "the whole file; the mirror or something between it and cairn altered it");
  // Blank lines after the signature are harmless.
  EXPECT_TRUE(verify_inrelease(good_ + "\n\n", kWhere, check()));
}

TEST_F(ReleaseVerify, DamagedStructure) {
  EXPECT_EQ(error_of(release_text()),
            "InRelease of " + kWhere +
                ": is not a clearsigned file (its first line is not `-----BEGIN PGP SIGNED MESSAGE-----'): the server "
                "sent something else, such as an error page; check the mirror URI");
  std::string truncated = good_.substr(0, good_.find("-----BEGIN PGP SIGNATURE-----"));
  EXPECT_EQ(error_of(truncated), "InRelease of " + kWhere +
                                     ": has no signature (no `-----BEGIN PGP SIGNATURE-----' line): the file is "
                                     "truncated; fetch it again");
  truncated = good_.substr(0, good_.find("-----END PGP SIGNATURE-----"));
  EXPECT_EQ(error_of(truncated), "InRelease of " + kWhere +
                                     ": its signature does not end (no `-----END PGP SIGNATURE-----' line): the file "
                                     "is truncated; fetch it again");
  std::string undashed = good_;
  undashed.insert(undashed.find("Origin:"), "-not escaped\n");
  EXPECT_EQ(error_of(undashed), "InRelease of " + kWhere +
                                    ": line 4: `-not escaped' starts with `-' but is not dash-escaped, so it is not "
                                    "part of a valid clearsigned message: the file is damaged; fetch it again");
  std::string header = good_;
  header.insert(header.find('\n') + 1, "garbage\n");
  EXPECT_EQ(error_of(header), "InRelease of " + kWhere +
                                  ": line 2: expected an armor header such as `Hash: SHA256' or an empty line, "
                                  "found `garbage': the file is damaged; fetch it again");
}

// A gpgv that reports a good signature but writes out other text than the
// file's signed part is caught: only text both agree on is parsed.
TEST_F(ReleaseVerify, ParsesOnlyWhatGpgvVerified) {
  std::string bin = keys_->dir() + "/bin";
  std::filesystem::create_directories(bin);
  std::string script = bin + "/gpgv";
  ASSERT_TRUE(write_file_atomic(script,
                                "#!/bin/sh\n"
                                "cat >/dev/null\n"
                                "echo '[GNUPG:] NEWSIG' >&2\n"
                                "echo '[GNUPG:] GOODSIG 0123456789ABCDEF liar' >&2\n"
                                "echo '[GNUPG:] VALIDSIG 0123 2024-01-01 0 0 4 0 22 8 01 0123' >&2\n"
                                "printf 'Origin: Debian\\nSuite: evil\\n'\n"));
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  std::string old_path = std::getenv("PATH");
  ::setenv("PATH", (bin + ":" + old_path).c_str(), 1);
  auto got = verify_inrelease(good_, kWhere, check());
  ::setenv("PATH", old_path.c_str(), 1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "InRelease of " + kWhere +
                                     ": the text gpgv verified is not the file's signed part, so the file is "
                                     "refused: this should not happen; please report it to cairn with the file "
                                     "attached");
}

TEST_F(ReleaseVerify, GpgvMissing) {
  std::string old_path = std::getenv("PATH");
  ::setenv("PATH", "/nonexistent", 1);
  auto got = verify_inrelease(good_, kWhere, check());
  ::setenv("PATH", old_path.c_str(), 1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "InRelease of " + kWhere +
                                     ": cannot check its signature: cannot run gpgv: not found on PATH "
                                     "(/nonexistent); install gpgv");
}

// Field errors come from the signed text and name the file's line.
TEST_F(ReleaseVerify, MissingFields) {
  std::string text = release_text();
  std::string no_sha = text.substr(0, text.find("SHA256:"));
  EXPECT_EQ(error_of(keys_->clearsign(no_sha, trusted_)),
            "InRelease of " + kWhere +
                ": the signed text has no `SHA256' field, which cairn needs to check every index it fetches: use a "
                "mirror of a complete, current Debian archive");
  std::string bad_date = text;
  bad_date.replace(bad_date.find("Sat, 10 Feb"), 3, "Xyz");
  bad_date.replace(bad_date.find("Feb 2024 09"), 3, "Fib");
  EXPECT_EQ(error_of(keys_->clearsign(bad_date, trusted_)),
            "InRelease of " + kWhere +
                ":9: Date: `Xyz, 10 Fib 2024 09:43:53 UTC' is not a date like `Sat, 10 Jun 2023 08:55:37 UTC'");
}

TEST(ReleaseParse, RequiredFields) {
  auto error = [](std::string_view text) {
    auto got = parse_release(text, "file:/srv/repo/dists/x");
    EXPECT_FALSE(got);
    return got ? "" : got.error().message;
  };
  std::string sha = "SHA256:\n " + h("a") + " 1 main/binary-amd64/Packages\n";
  EXPECT_EQ(error("Suite: x\n" + sha),
            "InRelease of file:/srv/repo/dists/x: the signed text has no `Date' field, which cairn needs to pin the "
            "index in cairn.lock: use a mirror of a complete, current Debian archive");
  EXPECT_EQ(error("Date: Sat, 10 Feb 2024 09:43:53 UTC\n" + sha),
            "InRelease of file:/srv/repo/dists/x: the signed text has no `Suite' field, which cairn needs (or "
            "`Codename') to know which release it is: use a mirror of a complete, current Debian archive");
  EXPECT_EQ(error("Suite: x\nDate: Sat, 10 Feb 2024 09:43:53 UTC\nSHA256:\n"),
            "InRelease of file:/srv/repo/dists/x: the signed text has no `SHA256' field, which cairn needs to check "
            "every index it fetches: use a mirror of a complete, current Debian archive");
  EXPECT_EQ(error(""), "InRelease of file:/srv/repo/dists/x: the signed text is empty: use a mirror of a complete "
                       "Debian archive");
  EXPECT_EQ(error("Suite: x\n\nSuite: y\n"),
            "InRelease of file:/srv/repo/dists/x:3: a second paragraph; a Release file has one: the file is "
            "damaged, use another mirror");
  EXPECT_EQ(error("Suite: x\nDate: Sat, 10 Feb 2024 09:43:53 UTC\nValid-Until: soon\n" + sha),
            "InRelease of file:/srv/repo/dists/x:3: Valid-Until: `soon' is not a date like `Sat, 10 Jun 2023 "
            "08:55:37 UTC'");
  EXPECT_EQ(error("Suite: x\nDate: Sat, 10 Feb 2024 09:43:53 UTC\nSHA256:\n " + h("a") + " 1 ok\n " + h("b") +
                  " big main/x\n"),
            "InRelease of file:/srv/repo/dists/x:5: SHA256 entry `" + h("b") +
                " big main/x' is not `<64 hex digits> <size> <path>': the file is damaged; use another mirror");
  EXPECT_EQ(error("Suite: x\nDate: Sat, 10 Feb 2024 09:43:53 UTC\nSHA256:\n abc 1 main/x\n"),
            "InRelease of file:/srv/repo/dists/x:4: SHA256 entry `abc 1 main/x' is not `<64 hex digits> <size> "
            "<path>': the file is damaged; use another mirror");
}

TEST(ReleaseParse, MinimalAndUppercaseHashes) {
  std::string upper = h("a");
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  auto got = parse_release("codename: x\nDATE: Sat, 10 Feb 2024 09:43:53 UTC\nsha256:\n " + upper + " 7 p\n", "here");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->codename, "x");
  EXPECT_EQ(got->suite, "");
  EXPECT_FALSE(got->acquire_by_hash);
  ASSERT_EQ(got->files.size(), 1u);
  EXPECT_EQ(got->files[0].sha256, h("a"));
  EXPECT_EQ(got->files[0].size, 7u);
  EXPECT_TRUE(got->architectures.empty());
  EXPECT_TRUE(check_valid_until(*got, sys_days{2200y / January / 1}));
}

TEST(ReleasePackagesIndex, PrefersXzThenGz) {
  auto r = parse_release(release_text(), kWhere);
  ASSERT_TRUE(r) << r.error().message;
  auto amd64 = packages_index(*r, "main", "amd64");
  ASSERT_TRUE(amd64) << amd64.error().message;
  EXPECT_EQ(amd64->path, "main/binary-amd64/Packages.xz");
  EXPECT_EQ(amd64->size, 150u);
  EXPECT_EQ(amd64->sha256, h("xz"));
  auto arm64 = packages_index(*r, "main", "arm64");
  ASSERT_TRUE(arm64) << arm64.error().message;
  EXPECT_EQ(arm64->path, "main/binary-arm64/Packages.gz");
  auto missing = packages_index(*r, "non-free-firmware", "riscv64");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "InRelease of " + kWhere +
                ": lists neither non-free-firmware/binary-riscv64/Packages.xz nor "
                "non-free-firmware/binary-riscv64/Packages.gz; the suite has components `main contrib "
                "non-free-firmware' and architectures `all amd64 arm64': choose among those");
  EXPECT_EQ(r->find("main/binary-amd64/Packages")->size, 1000u);
  EXPECT_EQ(r->find("main/binary-amd64/Release"), nullptr);
}

TEST(ReleaseDate, ParsesAndFormats) {
  struct Case {
    std::string_view text;
    sys_seconds want;
  };
  const sys_seconds t = sys_days{2023y / June / 10} + 8h + 55min + 37s;
  for (const Case& c : std::initializer_list<Case>{
           {"Sat, 10 Jun 2023 08:55:37 UTC", t},
           {"10 Jun 2023 08:55:37 UTC", t},
           {"Sat, 10 jun 2023 08:55:37 GMT", t},
           {"Sat,  10 Jun 2023 08:55:37 Z", t},
           {"Sat, 10 Jun 2023 10:55:37 +0200", t},
           {"Sat, 10 Jun 2023 03:55:37 -0500", t},
           {"Thu, 1 Jan 1970 00:00:00 UTC", sys_seconds{}},
           {"Thu, 29 Feb 2024 23:59:59 UTC", sys_days{2024y / February / 29} + 23h + 59min + 59s},
       }) {
    auto got = parse_release_date(c.text);
    ASSERT_TRUE(got) << c.text << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.text;
  }
  for (std::string_view bad : {"", "yesterday", "Sat, 10 Jun 2023 08:55:37", "Sat, 10 Jun 2023 08:55 UTC",
                               "Sat, 31 Jun 2023 08:55:37 UTC", "Sat, 10 Jux 2023 08:55:37 UTC",
                               "Sat, 10 Jun 23 08:55:37 UTC", "Sat, 10 Jun 2023 24:00:00 UTC",
                               "Sat, 10 Jun 2023 08:55:37 CEST", "Fri, 29 Feb 2023 00:00:00 UTC",
                               "Sat, 01 Jan 0999 00:00:00 UTC", "Thu, 01 Jan 0000 00:30:00 +0100"}) {
    auto got = parse_release_date(bad);
    EXPECT_FALSE(got) << bad;
  }
  EXPECT_EQ(parse_release_date("  nonsense ").error().message,
            "`nonsense' is not a date like `Sat, 10 Jun 2023 08:55:37 UTC'");
  EXPECT_EQ(format_release_date(t), "Sat, 10 Jun 2023 08:55:37 UTC");
  EXPECT_EQ(format_release_date(sys_days{2024y / February / 29}), "Thu, 29 Feb 2024 00:00:00 UTC");
  EXPECT_EQ(format_release_date(sys_seconds{}), "Thu, 01 Jan 1970 00:00:00 UTC");
}

}  // namespace
}  // namespace cairn::debian
