#pragma once
// SIGINT and SIGTERM for batch commands. The handler only records which signal came; the reader
// checks it between reads and stops taking input, so everything read so far is enriched and
// written as whole lines and the summary is printed. A second signal ends the process at once.
namespace dnslens {

void install_stop_signal_handlers();
// The signal that asked the run to stop, or 0.
[[nodiscard]] int stop_signal();

}  // namespace dnslens
