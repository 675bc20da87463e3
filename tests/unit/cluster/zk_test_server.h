// zk_test_server: a real standalone ZooKeeper server (Debian's zookeeper package, run by java) on a
// free 127.0.0.1 port, in its own temp dir, for tests of the ZooKeeper session and store.
//
// The command line, usable from a shell as well (cfg as written by write_config()):
//   java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
//        -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar
//        org.apache.zookeeper.server.ZooKeeperServerMain <dir>/zoo.cfg   (one line)
// with zoo.cfg:
//   tickTime=200  dataDir=<dir>/data  clientPort=<port>  clientPortAddress=127.0.0.1
//   admin.enableServer=false  4lw.commands.whitelist=ruok,srvr,stat,cons
//   minSessionTimeout=400  maxSessionTimeout=30000  forceSync=no  preAllocSize=1024
// It is ready when "ruok" sent to the port answers "imok" (within ~1 s of starting).
//
// The server is killed (SIGTERM, then SIGKILL after 5 s) and reaped, and its dir removed, when the
// object is destroyed; the child also gets SIGKILL if the test process dies first (PDEATHSIG).
// Not thread-safe; start, restart and destroy it on the test's main thread (PDEATHSIG is tied to
// the thread that forked: a server started from a short-lived thread dies with that thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice::cluster::testing {

class zk_test_server {
 public:
  // Starts a server and waits until it answers; nullptr (with `error` set) if it does not.
  static std::unique_ptr<zk_test_server> start(std::string* error = nullptr);
  // One server for the whole test program, started on first use and stopped at exit. Tests keep
  // apart by using their own chroot (unique_chroot()).
  static zk_test_server& shared();

  ~zk_test_server();
  zk_test_server(const zk_test_server&) = delete;
  zk_test_server& operator=(const zk_test_server&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:<port>" followed by the chroot, e.g. "/kafka".
  std::string connect_string(const std::string& chroot = "") const;
  // A chroot nobody else in this process has used, named after the running test.
  static std::string unique_chroot();

  // Stops the server, waits `down_for`, and starts it again on the same port with the same data
  // (sessions survive, as with a real restart within the session timeout).
  bool restart(std::chrono::milliseconds down_for, std::string* error = nullptr);

  // Sends a four-letter command ("ruok", "srvr", ...) and returns the answer ("" if none).
  std::string four_letter(const std::string& command) const;

  // The java command line (argv) and the zoo.cfg text for a server on `port` under `dir`.
  static std::vector<std::string> java_command(const std::filesystem::path& config);
  static std::string config_text(const std::filesystem::path& dir, int port);

 private:
  zk_test_server() = default;
  bool launch(std::string* error);
  bool wait_ready(std::chrono::milliseconds timeout, std::string* error);
  void stop();

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sluice::cluster::testing
