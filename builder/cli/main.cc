// cairn: the builder's command line. Parses the verb and runs it on a thread
// with a large stack, so that deeply recursive Nix code is limited by the
// evaluator's own depth check (a clear "stack overflow" error), not by the
// default 8 MiB stack.
#include <pthread.h>

#include <cstdio>
#include <iostream>

#include "builder/cli/verbs.hh"

namespace {

struct Job {
  cairn::cli::VerbResult run;
  int status = 0;
};

void* run_job(void* p) {
  auto* job = static_cast<Job*>(p);
  job->status = job->run();
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cairn: whole machines described in Nix, built from Debian's archive"};
  app.require_subcommand(1);
  Job job;
  cairn::cli::register_eval(app, job.run);
  cairn::cli::register_options(app, job.run);
  cairn::cli::register_lock(app, job.run);
  cairn::cli::register_fetch(app, job.run);
  cairn::cli::register_build(app, job.run);
  cairn::cli::register_image(app, job.run);
  cairn::cli::register_vm(app, job.run);
  cairn::cli::register_flash(app, job.run);
  cairn::cli::register_generations(app, job.run);
  cairn::cli::register_diff(app, job.run);
  cairn::cli::register_gc(app, job.run);
  cairn::cli::register_switch(app, job.run);
  cairn::cli::register_boot(app, job.run);
  cairn::cli::register_test(app, job.run);
  cairn::cli::register_dry_activate(app, job.run);
  cairn::cli::register_rollback(app, job.run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!job.run) return 0;

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{256} << 20);
  pthread_t thread;
  if (pthread_create(&thread, &attr, run_job, &job) != 0) {
    // Fall back to the main thread (smaller stack, same depth checks).
    return job.run();
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  std::fflush(stdout);
  return job.status;
}
