#include "zk_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

// The ZooKeeper C client (3.8) now and then leaks a queued completion when a handle is closed
// while a response or event is in flight (seen after session-expiry tests); it is the library's,
// not ours, so LeakSanitizer is told to ignore allocations made inside it.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libzookeeper_mt.so\n";
}

namespace sluice::cluster::testing {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string tail_of(const std::filesystem::path& file, size_t max_bytes = 4000) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto s = text.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

}  // namespace

std::vector<std::string> zk_test_server::java_command(const std::filesystem::path& config) {
  return {"java",
          "-Xms32m",
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-cp",
          "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
          "org.apache.zookeeper.server.ZooKeeperServerMain",
          config.string()};
}

std::string zk_test_server::config_text(const std::filesystem::path& dir, int port) {
  std::ostringstream cfg;
  cfg << "tickTime=200\n"
      << "dataDir=" << (dir / "data").string() << "\n"
      << "clientPort=" << port << "\n"
      << "clientPortAddress=127.0.0.1\n"
      << "admin.enableServer=false\n"
      << "4lw.commands.whitelist=ruok,srvr,stat,cons\n"
      << "minSessionTimeout=400\n"
      << "maxSessionTimeout=30000\n"
      << "maxClientCnxns=0\n"
      << "forceSync=no\n"
      << "preAllocSize=1024\n";
  return cfg.str();
}

std::unique_ptr<zk_test_server> zk_test_server::start(std::string* error) {
  std::string local_error;
  if (!error) error = &local_error;
  static std::atomic<int> counter{0};
  // A few tries: the free port may be taken between probing and the server binding it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<zk_test_server> server(new zk_test_server());
    server->dir_ = std::filesystem::temp_directory_path() /
                   ("sluice-zk-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(server->dir_);
    std::filesystem::create_directories(server->dir_ / "data");
    server->port_ = free_port();
    auto config = server->dir_ / "zoo.cfg";
    std::ofstream(config) << config_text(server->dir_, server->port_);

    if (server->launch(error)) return server;
  }
  return nullptr;
}

bool zk_test_server::launch(std::string* error) {
  auto args = java_command(dir_ / "zoo.cfg");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto log = dir_ / "zookeeper.out";
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  pid_ = pid;
  if (wait_ready(std::chrono::seconds(30), error)) return true;
  *error += "\n--- zookeeper output ---\n" + tail_of(log);
  return false;
}

bool zk_test_server::restart(std::chrono::milliseconds down_for, std::string* error) {
  std::string local_error;
  stop();
  std::this_thread::sleep_for(down_for);
  return launch(error ? error : &local_error);
}

zk_test_server& zk_test_server::shared() {
  static std::unique_ptr<zk_test_server> server = [] {
    std::string error;
    auto s = start(&error);
    if (!s) {
      ADD_FAILURE() << "cannot start ZooKeeper: " << error;
      std::abort();
    }
    return s;
  }();
  return *server;
}

std::string zk_test_server::unique_chroot() {
  static std::atomic<int> counter{0};
  std::string name = "/test";
  if (auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
    name += std::string("-") + info->test_suite_name() + "-" + info->name();
  for (auto& c : name)
    if (c == '/' && &c != &name[0]) c = '_';
  return name + "-" + std::to_string(counter++);
}

std::string zk_test_server::connect_string(const std::string& chroot) const {
  return "127.0.0.1:" + std::to_string(port_) + chroot;
}

std::string zk_test_server::four_letter(const std::string& command) const {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  timeval timeout{.tv_sec = 1, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  auto addr = loopback(port_);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, command.data(), command.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(command.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

bool zk_test_server::wait_ready(std::chrono::milliseconds timeout, std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "ZooKeeper exited during start-up (status " + std::to_string(status) + ")";
      return false;
    }
    if (four_letter("ruok") == "imok") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "ZooKeeper did not answer ruok on port " + std::to_string(port_) + " within " +
           std::to_string(timeout.count()) + " ms";
  stop();
  return false;
}

void zk_test_server::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

zk_test_server::~zk_test_server() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace sluice::cluster::testing
