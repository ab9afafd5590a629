// Verifying and reading InRelease files.
//
// The order of the checks is the point of this file:
//
//  1. The file is split by hand (`split_clearsigned`) into its parts, and
//     refused unless it is exactly one clearsigned message: armor headers,
//     dash-escaped text, one signature block, and nothing but blank lines
//     after it. gpgv alone would verify the signed part and let text before
//     or after it through to a careless reader.
//  2. gpgv checks the signature: `gpgv --status-fd 2 --keyring K… --output -`
//     with the file on standard input, in the C locale. Its verdict is read
//     from the machine-readable status lines, not the exit status: Debian
//     signs with several keys, and a keyring holding only one of them makes
//     gpgv exit 2 (NO_PUBKEY for the others) although a good signature is
//     there. One GOODSIG with its VALIDSIG and no BADSIG is a pass, as for
//     apt.
//  3. The text gpgv wrote out (what it verified) must equal the signed part
//     found in step 1, line by line ignoring trailing blanks (which the
//     clearsign hash ignores too). Only then is it parsed, and only gpgv's
//     copy.
//  4. The fields are read and Valid-Until compared with the caller's clock.
#include "builder/debian/release.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/lines.hh"
#include "base/subprocess.hh"
#include "builder/debian/deb822.hh"

namespace cairn::debian {

namespace {

constexpr std::string_view begin_message = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view begin_signature = "-----BEGIN PGP SIGNATURE-----";
constexpr std::string_view end_signature = "-----END PGP SIGNATURE-----";
constexpr std::string_view date_example = "Sat, 10 Jun 2023 08:55:37 UTC";

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return trim_right(s);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// The signed part of a clearsigned file, dash-escaping undone, one '\n'
// after each line.
struct ClearSigned {
  std::string text;
  uint32_t first_line = 0;  // line of the file the text starts on
};

// Step 1: the file must be one clearsigned message and nothing else.
// Errors are worded for "InRelease of X: " to be put in front.
Result<ClearSigned> split_clearsigned(std::string_view file) {
  auto lines = split_lines(file);
  size_t i = 0;
  if (lines.empty() || trim_right(lines[0]) != begin_message)
    return fail(fmt::format("is not a clearsigned file (its first line is not `{}'): the server sent something "
                            "else, such as an error page; check the mirror URI",
                            begin_message));
  // Armor headers ("Hash: SHA256") up to an empty line.
  for (i = 1; i < lines.size() && !trim_right(lines[i]).empty(); ++i) {
    std::string_view line = lines[i];
    auto colon = line.find(": ");
    if (colon == std::string_view::npos || colon == 0)
      return fail(fmt::format("line {}: expected an armor header such as `Hash: SHA256' or an empty line, found "
                              "`{}': the file is damaged; fetch it again",
                              i + 1, trim(line)));
  }
  if (i == lines.size())
    return fail("ends inside its armor headers: the file is truncated; fetch it again");
  ++i;  // the empty line
  ClearSigned out;
  out.first_line = static_cast<uint32_t>(i + 1);
  for (; i < lines.size() && trim_right(lines[i]) != begin_signature; ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.front() == '-') {
      if (!line.starts_with("- "))
        return fail(fmt::format("line {}: `{}' starts with `-' but is not dash-escaped, so it is not part of a "
                                "valid clearsigned message: the file is damaged; fetch it again",
                                i + 1, trim(line)));
      line.remove_prefix(2);
    }
    out.text += trim_right(line);
    out.text += '\n';
  }
  if (i == lines.size())
    return fail(fmt::format("has no signature (no `{}' line): the file is truncated; fetch it again",
                            begin_signature));
  for (++i; i < lines.size() && trim_right(lines[i]) != end_signature; ++i) {
  }
  if (i == lines.size())
    return fail(fmt::format("its signature does not end (no `{}' line): the file is truncated; fetch it again",
                            end_signature));
  for (++i; i < lines.size(); ++i)
    if (!trim(lines[i]).empty())
      return fail(fmt::format("line {}: text after the signature, which the signature does not cover: refusing "
                              "the whole file; the mirror or something between it and cairn altered it",
                              i + 1));
  return out;
}

// The same text with trailing blanks removed from every line, for step 3.
std::string without_trailing_blanks(std::string_view text) {
  std::string out;
  for (auto line : split_lines(text)) {
    out += trim_right(line);
    out += '\n';
  }
  return out;
}

// gpgv's verdict, from its status and message lines.
struct GpgvReport {
  int good = 0;                          // GOODSIG
  std::vector<std::string> bad;          // BADSIG key ids
  std::vector<std::string> no_pubkey;    // NO_PUBKEY key ids
  std::vector<std::string> dead_keys;    // EXPKEYSIG / REVKEYSIG, as a phrase
  std::vector<std::string> signers;      // primary fingerprints of good signatures
  std::vector<std::string> messages;     // gpgv's own lines, minus chatter
};

GpgvReport read_gpgv_report(std::string_view err) {
  GpgvReport r;
  bool good = false;  // the current signature (since NEWSIG) is good
  for (auto line : split_lines(err)) {
    line = trim_right(line);
    if (line.starts_with("[GNUPG:] ")) {
      line.remove_prefix(9);
      auto space = line.find(' ');
      std::string_view keyword = line.substr(0, space);
      std::string_view args = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      std::string first(args.substr(0, args.find(' ')));
      if (keyword == "NEWSIG") {
        good = false;
      } else if (keyword == "GOODSIG") {
        ++r.good;
        good = true;
      } else if (keyword == "BADSIG") {
        r.bad.push_back(first);
      } else if (keyword == "NO_PUBKEY") {
        r.no_pubkey.push_back(first);
      } else if (keyword == "EXPKEYSIG" || keyword == "REVKEYSIG") {
        // gpgv says "Good signature" for these, and exits 0: the status
        // line is the only place that tells.
        std::string_view uid = args.size() > first.size() ? args.substr(first.size() + 1) : std::string_view();
        r.dead_keys.push_back(fmt::format("the signing key {} \"{}\" {}", first, uid,
                                          keyword == "EXPKEYSIG" ? "has expired" : "was revoked"));
      } else if (keyword == "VALIDSIG" && good) {
        // The last field is the primary key's fingerprint (GnuPG 2).
        auto last = args.rfind(' ');
        r.signers.emplace_back(last == std::string_view::npos ? args : args.substr(last + 1));
      }
    } else if (line.starts_with("gpgv: ")) {
      line.remove_prefix(6);
      std::string_view content = trim(line);
      if (content.starts_with("Signature made") || content.starts_with("using ")) continue;
      std::string message(content);
      if (std::find(r.messages.begin(), r.messages.end(), message) == r.messages.end())
        r.messages.push_back(std::move(message));
    }
  }
  return r;
}

// Every keyring must exist and be in a format gpgv reads.
Result<std::vector<std::string>> check_keyrings(const std::vector<std::string>& keyrings) {
  if (keyrings.empty())
    return fail(fmt::format("no keyring is configured to check its signature with; configure one (the default "
                            "is {})",
                            default_archive_keyring));
  std::vector<std::string> absolute;
  for (const auto& k : keyrings) {
    struct stat st{};
    if (::stat(k.c_str(), &st) != 0 && errno == ENOENT)
      return fail(fmt::format("keyring {} does not exist; install the package that provides it "
                              "(debian-archive-keyring for Debian's archive) or configure another keyring",
                              k));
    auto text = read_file(k);
    if (!text) return std::unexpected(text.error().context("cannot read its keyring"));
    if (std::string_view(*text).starts_with("-----BEGIN PGP"))
      return fail(fmt::format("keyring {} is ASCII-armored, which gpgv cannot read; convert it with "
                              "`gpg --dearmor' and configure the result",
                              k));
    // gpgv looks for a name without '/' in its home directory.
    absolute.push_back(k.find('/') == std::string::npos ? std::filesystem::absolute(k).string() : k);
  }
  return absolute;
}

// Steps 2 and 3: gpgv's verdict and the text it verified.
Result<std::string> run_gpgv(std::string_view file, const std::vector<std::string>& keyrings,
                             std::vector<std::string>& signers) {
  auto absolute = check_keyrings(keyrings);
  if (!absolute) return std::unexpected(absolute.error());
  std::vector<std::string> args = {"--status-fd", "2", "--weak-digest", "sha1"};
  for (const auto& k : *absolute) {
    args.push_back("--keyring");
    args.push_back(k);
  }
  args.insert(args.end(), {"--output", "-", "-"});
  RunOptions options;
  options.stdin_data = file;
  options.env = {"LC_ALL=C", "LANGUAGE"};
  auto ran = run("gpgv", args, options);
  if (!ran) return fail(fmt::format("cannot check its signature: {}; install gpgv", ran.error().message));
  if (ran->signal != 0) return fail(fmt::format("cannot check its signature: gpgv {}", ran->describe()));

  GpgvReport report = read_gpgv_report(ran->err);
  if (report.good > 0 && report.bad.empty() && !report.signers.empty()) {
    signers = std::move(report.signers);
    return std::move(ran->out);
  }
  std::string reason = report.messages.empty() ? "gpgv " + ran->describe() : join(report.messages, "; ");
  std::string advice;
  if (!report.bad.empty()) {
    advice = "the file was changed after it was signed, so nothing in it was used: fetch it again, and if this "
             "persists use another mirror";
  } else if (!report.dead_keys.empty()) {
    reason = join(report.dead_keys, "; ");
    advice = "update the keyring (debian-archive-keyring) or use a mirror of a current archive";
  } else if (!report.no_pubkey.empty()) {
    advice = fmt::format("it is signed by key {}, which none of the keyrings holds: configure the keyring of "
                         "this archive, or check the mirror URI",
                         join(report.no_pubkey, ", "));
  } else {
    advice = "gpgv found no signature it could check: fetch the file again";
  }
  return fail(fmt::format("the signature does not verify against {}: {}; {}", join(keyrings, ", "), reason,
                          advice));
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool is_digits(std::string_view s) {
  return !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> words_of(std::string_view value) {
  auto words = field_words(value);
  return {words.begin(), words.end()};
}

// Reads the SHA256 field; `line` is the line of `SHA256:`.
Result<std::vector<IndexFile>> read_sha256(std::string_view value, uint32_t line, std::string_view where) {
  std::vector<IndexFile> files;
  uint32_t n = line;
  for (auto raw : split_lines(value)) {
    std::string_view entry = trim(raw);
    uint32_t at = n++;
    if (entry.empty() || raw.front() == '#') continue;
    auto words = field_words(entry);
    if (words.size() != 3 || !is_hex64(words[0]) || !is_digits(words[1]))
      return fail(fmt::format("{}:{}: SHA256 entry `{}' is not `<64 hex digits> <size> <path>': the file is "
                              "damaged; use another mirror",
                              where, at, entry));
    IndexFile f;
    f.sha256 = std::string(words[0]);
    std::transform(f.sha256.begin(), f.sha256.end(), f.sha256.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    f.size = std::stoull(std::string(words[1]));
    f.path = std::string(words[2]);
    files.push_back(std::move(f));
  }
  return files;
}

constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::string_view weekday_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Parses "HH:MM:SS".
bool parse_clock(std::string_view s, int& h, int& m, int& sec) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  for (size_t i : {0, 1, 3, 4, 6, 7})
    if (s[i] < '0' || s[i] > '9') return false;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  sec = (s[6] - '0') * 10 + (s[7] - '0');
  return h < 24 && m < 60 && sec <= 60;
}

}  // namespace

const IndexFile* Release::find(std::string_view path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

Result<std::chrono::sys_seconds> parse_release_date(std::string_view text) {
  using namespace std::chrono;
  auto bad = [&] {
    return fail(fmt::format("`{}' is not a date like `{}'", trim(text), date_example));
  };
  auto words = field_words(text);
  size_t i = 0;
  if (!words.empty() && words[0].ends_with(',')) ++i;  // the weekday
  if (words.size() - i != 5) return bad();
  std::string_view day_s = words[i], month_s = words[i + 1], year_s = words[i + 2], time_s = words[i + 3],
                   zone = words[i + 4];
  if (!is_digits(day_s) || day_s.size() > 2 || !is_digits(year_s) || year_s.size() != 4) return bad();
  auto month = std::find_if(std::begin(month_names), std::end(month_names),
                            [&](std::string_view m) { return equal_ignoring_case(m, month_s); });
  if (month == std::end(month_names)) return bad();
  int h, m, s;
  if (!parse_clock(time_s, h, m, s)) return bad();
  int offset_minutes = 0;
  if (equal_ignoring_case(zone, "UTC") || equal_ignoring_case(zone, "GMT") || zone == "Z") {
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && is_digits(zone.substr(1))) {
    offset_minutes = ((zone[1] - '0') * 10 + (zone[2] - '0')) * 60 + (zone[3] - '0') * 10 + (zone[4] - '0');
    if (zone[0] == '-') offset_minutes = -offset_minutes;
  } else {
    return bad();
  }
  year_month_day ymd{year{std::stoi(std::string(year_s))},
                     std::chrono::month{static_cast<unsigned>(month - std::begin(month_names) + 1)},
                     day{static_cast<unsigned>(std::stoi(std::string(day_s)))}};
  // An archive signed before 1970 is no archive: such a year is a typo or
  // corruption (and would not format back the same).
  if (!ymd.ok() || ymd.year() < year{1970}) return bad();
  return sys_days{ymd} + hours{h} + minutes{m} + seconds{s} - minutes{offset_minutes};
}

std::string format_release_date(std::chrono::sys_seconds time) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(time);
  year_month_day ymd{days};
  hh_mm_ss hms{time - days};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} UTC", weekday_names[weekday{days}.c_encoding()],
                     static_cast<unsigned>(ymd.day()), month_names[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count());
}

Result<Release> parse_release(std::string_view text, std::string_view location, uint32_t first_line) {
  std::string where = fmt::format("InRelease of {}", location);
  Deb822Reader reader(text, where, first_line);
  Paragraph p;
  auto got = reader.next(p);
  if (!got) return std::unexpected(got.error());
  if (!*got) return fail(fmt::format("{}: the signed text is empty: use a mirror of a complete Debian archive", where));
  Paragraph extra;
  auto more = reader.next(extra);
  if (!more) return std::unexpected(more.error());
  if (*more)
    return fail(fmt::format("{}:{}: a second paragraph; a Release file has one: the file is damaged, use another "
                            "mirror",
                            where, extra.line()));

  auto missing = [&](std::string_view field, std::string_view why) {
    return fail(fmt::format("{}: the signed text has no `{}' field, which cairn needs {}: use a mirror of a "
                            "complete, current Debian archive",
                            where, field, why));
  };
  Release r;
  r.location = std::string(location);
  r.text = std::string(text);
  r.origin = p.get("Origin");
  r.label = p.get("Label");
  r.suite = p.get("Suite");
  r.codename = p.get("Codename");
  r.version = p.get("Version");
  if (r.suite.empty() && r.codename.empty()) return missing("Suite", "(or `Codename') to know which release it is");
  r.architectures = words_of(p.get("Architectures"));
  r.components = words_of(p.get("Components"));
  r.acquire_by_hash = equal_ignoring_case(trim(p.get("Acquire-By-Hash")), "yes");

  const Field* date = p.find("Date");
  if (!date || date->value.empty()) return missing("Date", "to pin the index in cairn.lock");
  auto date_time = parse_release_date(date->value);
  if (!date_time) return std::unexpected(date_time.error().context(fmt::format("{}:{}: Date", where, date->line)));
  r.date = date->value;
  r.date_time = *date_time;
  if (const Field* until = p.find("Valid-Until"); until && !until->value.empty()) {
    auto until_time = parse_release_date(until->value);
    if (!until_time)
      return std::unexpected(until_time.error().context(fmt::format("{}:{}: Valid-Until", where, until->line)));
    r.valid_until = until->value;
    r.valid_until_time = *until_time;
  }

  const Field* sha256 = p.find("SHA256");
  if (!sha256) return missing("SHA256", "to check every index it fetches");
  auto files = read_sha256(sha256->value, sha256->line, where);
  if (!files) return std::unexpected(files.error());
  if (files->empty()) return missing("SHA256", "to check every index it fetches");
  r.files = std::move(*files);
  return r;
}

Result<void> check_valid_until(const Release& release, std::chrono::sys_seconds now) {
  if (!release.valid_until_time || now <= *release.valid_until_time) return {};
  return fail(fmt::format("InRelease of {}: expired at {} (its Valid-Until); it is now {}: the mirror has stopped "
                          "updating, or this machine's clock is wrong; use an up-to-date mirror or fix the clock",
                          release.location, release.valid_until, format_release_date(now)));
}

Result<Release> verify_inrelease(std::string_view inrelease, std::string_view location, const ReleaseCheck& check) {
  auto context = [&](const Error& e) { return std::unexpected(e.context(fmt::format("InRelease of {}", location))); };
  auto parts = split_clearsigned(inrelease);
  if (!parts) return context(parts.error());
  std::vector<std::string> signers;
  auto verified = run_gpgv(inrelease, check.keyrings, signers);
  if (!verified) return context(verified.error());
  if (without_trailing_blanks(*verified) != parts->text)
    return context(Error{"the text gpgv verified is not the file's signed part, so the file is refused: this "
                         "should not happen; please report it to cairn with the file attached"});

  auto release = parse_release(*verified, location, parts->first_line);
  if (!release) return std::unexpected(release.error());
  release->inrelease_sha256 = sha256_hex(inrelease);
  release->signers = std::move(signers);
  if (!check.suite.empty() && release->suite != check.suite && release->codename != check.suite)
    return context(Error{fmt::format("it is for suite `{}' (codename `{}'), not `{}': the mirror serves another "
                                     "release there; check the suite and the mirror URI",
                                     release->suite, release->codename, check.suite)});
  if (auto valid = check_valid_until(*release, check.now); !valid) return std::unexpected(valid.error());
  return release;
}

Result<IndexFile> packages_index(const Release& release, std::string_view component, std::string_view arch) {
  std::string base = fmt::format("{}/binary-{}/Packages", component, arch);
  for (std::string_view ext : {".xz", ".gz"})
    if (const IndexFile* f = release.find(base + std::string(ext))) return *f;
  return fail(fmt::format("InRelease of {}: lists neither {}.xz nor {}.gz; the suite has components `{}' and "
                          "architectures `{}': choose among those",
                          release.location, base, base, join(release.components, " "),
                          join(release.architectures, " ")));
}

}  // namespace cairn::debian
