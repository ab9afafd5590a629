// The real `Systemd`: D-Bus to PID 1 through libsystemd's sd-bus.
//
// Connecting happens only here, when a switch verb asks for it: nothing in
// the initramfs's /init path calls into this file, so the activator still
// runs where there is no bus at all.
//
// Where systemd is reached, in order (as systemctl does): as root, its
// private socket /run/systemd/private, a direct connection that works even
// when no D-Bus daemon runs (minimal hosts, early boot, a switch that
// restarts dbus.service); then the system bus, whose address is
// $DBUS_SYSTEM_BUS_ADDRESS or /run/dbus/system_bus_socket. The first that
// answers the manager's Subscribe call is used. Subscribing (so that systemd
// sends JobRemoved at all on a direct connection) and matching JobRemoved
// happen once, at connection time, before any job is queued; that closes the
// race of a job that ends before the call that queued it returns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "activator/systemd.hh"
#include "base/error.hh"

namespace cairn::activator {

/// One way to reach systemd.
struct BusEndpoint {
  std::string address;  ///< a D-Bus address: "unix:path=/run/systemd/private"
  std::string shown;    ///< what error messages call it: "/run/systemd/private"
  /// True for a bus daemon (the system bus: calls name the destination
  /// org.freedesktop.systemd1); false for a direct connection to systemd.
  bool via_bus = true;
};

/// The endpoints `connect_systemd()` tries: the private socket when running
/// as root, then the system bus.
std::vector<BusEndpoint> default_systemd_endpoints();

/// Connects to systemd at the first endpoint that answers. When none does,
/// one line: "cannot connect to systemd over D-Bus (/run/systemd/private,
/// /run/dbus/system_bus_socket): No such file or directory; is this a
/// systemd machine?" (each endpoint's own reason when they differ).
[[nodiscard]] Result<std::unique_ptr<Systemd>> connect_systemd(const std::vector<BusEndpoint>& endpoints);
[[nodiscard]] inline Result<std::unique_ptr<Systemd>> connect_systemd() {
  return connect_systemd(default_systemd_endpoints());
}

}  // namespace cairn::activator
