// `cairn flash --host NAME [--yes] [--size SIZE] [--all-generations] TARGET`:
// build the host's disk image (as `cairn image`) and write it to TARGET, a
// whole disk (/dev/sdb, /dev/mmcblk0) or an image file.
//
// The target is examined twice: once before the build, so that a partition,
// a mounted card or the system disk is refused at once rather than after
// minutes of building, and again by images::flash with the image's size,
// just before writing (the card may have been swapped meanwhile). The image
// goes to a temporary file in the store's tmp/ and is removed afterwards.
// What the target holds now is shown on stderr and the write has to be
// confirmed there unless --yes; without a terminal and without --yes
// nothing is written. images/flash.hh says how the writing and the
// verification go.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "builder/cli/build.hh"
#include "builder/cli/image.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/store.hh"
#include "images/flash.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

struct FlashOptions {
  ImageOptions image;
  std::string target;
  bool yes = false;
};

// Asks on stderr, answers from stdin: only "y" or "yes" (any case) goes on.
bool ask_on_terminal(const std::string& question) {
  std::cerr << question << ' ' << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return false;
  }
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return answer == "y" || answer == "yes";
}

std::string rate(uint64_t bytes, double seconds) {
  return images::human_size(seconds > 0 ? static_cast<uint64_t>(static_cast<double>(bytes) / seconds) : bytes) + "/s";
}

int run_flash(const FlashOptions& opts) {
  if (auto early = images::examine_target(opts.target, 0); !early) return report_error(early.error().message), 1;

  auto root = debian::Store::default_root(opts.image.store);
  if (!root) return report_error(root.error().message), 1;
  auto store = debian::Store::open(*root);
  if (!store) return report_error(store.error().message), 1;
  std::string work = store->tmp_dir() + "/flash-XXXXXX";
  if (!::mkdtemp(work.data()))
    return report_error(fmt::format("cannot create a work directory in {}: {}", store->tmp_dir(), std::strerror(errno))), 1;
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{work};

  ImageOptions io = opts.image;
  io.output = work + "/" + io.host + ".img";
  auto image = make_host_image(io);
  if (!image) return report_build_error(image.error()), 1;

  images::FlashRequest request;
  request.image = image->path;
  request.image_name = fmt::format("the {} image", opts.image.host);
  request.image_sha256 = image->sha256;
  request.target = opts.target;
  request.yes = opts.yes;
  bool terminal = ::isatty(STDERR_FILENO) != 0;
  if (terminal && ::isatty(STDIN_FILENO)) request.confirm = ask_on_terminal;
  request.out = &std::cerr;
  request.progress = terminal;
  auto flashed = images::flash(request);
  if (!flashed) return report_error(flashed.error().message), 1;
  std::cerr << fmt::format("cairn: wrote {} (generation {}, {}) to {} in {:.1f} s ({}) and verified it in {:.1f} s "
                           "({}), sha256 {}",
                           request.image_name, image->generation, images::human_size(flashed->bytes), opts.target,
                           flashed->write_seconds, rate(flashed->bytes, flashed->write_seconds),
                           flashed->verify_seconds, rate(flashed->bytes, flashed->verify_seconds),
                           flashed->sha256.substr(0, 12))
            << std::endl;
  return 0;
}

}  // namespace

void register_flash(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<FlashOptions>();
  CLI::App* cmd = app.add_subcommand("flash", "Write a host's disk image to a disk (SD card, USB stick) or a file");
  cmd->add_option("--host", opts->image.host, "The host (a directory under hosts/)")->required()->type_name("NAME");
  cmd->add_option("target", opts->target, "The whole disk (/dev/sdb, /dev/mmcblk0) or an image file")
      ->required()
      ->type_name("TARGET");
  cmd->add_flag("-y,--yes", opts->yes, "Write without asking, even over an existing file or disk");
  cmd->add_option("--size", opts->image.size, "The image's size, e.g. 4G (default: what the content needs)")
      ->type_name("SIZE");
  cmd->add_flag("--all-generations", opts->image.all_generations, "Put every built generation of the host on the disk");
  cmd->add_option("--store", opts->image.store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->callback([opts, &run] { run = [opts] { return run_flash(*opts); }; });
}

}  // namespace cairn::cli
