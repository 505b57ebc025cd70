// read_record_at(): files the kernel prints whole in one read (/proc/PID/stat, statm, status),
// read without the read that would return 0.

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/fd.h"
#include "support/fake_root.h"

using namespace lw;

TEST_CASE("fd: read_record_at reads regular files of every size whole, as read_all_at", "[base]") {
  testing::FakeRoot root;
  auto dir = open_at(AT_FDCWD, root.path().c_str(), O_DIRECTORY | O_RDONLY);
  REQUIRE(dir.has_value());
  ReadBuffer record;
  ReadBuffer plain;
  // Sizes around the 4 KiB read chunk, and smaller files after bigger ones (the buffer then
  // offers more room than the file holds).
  for (const std::size_t size : {0, 1, 4095, 4096, 4097, 9000, 12288, 100, 4096, 0}) {
    std::string content(size, 'x');
    for (std::size_t i = 0; i < size; ++i) {
      content[i] = static_cast<char>('a' + i % 26);
    }
    root.file("f", content);
    const auto a = read_record_at(dir->get(), "f", record);
    const auto b = read_all_at(dir->get(), "f", plain);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(*a == content);
    CHECK(*a == *b);
  }
  const auto missing = read_record_at(dir->get(), "nope", record);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::kGone);
  CHECK(record.view().empty());
}

TEST_CASE("fd: read_record_at keeps the read limit: a file of max_bytes or more is kIo", "[base]") {
  testing::FakeRoot root;
  root.file("f", std::string(6000, 'x'));
  auto dir = open_at(AT_FDCWD, root.path().c_str(), O_DIRECTORY | O_RDONLY);
  REQUIRE(dir.has_value());
  ReadBuffer buf;
  for (const std::size_t max : {std::size_t{6000}, std::size_t{4096}, std::size_t{1}}) {
    const auto text = read_record_at(dir->get(), "f", buf, max);
    REQUIRE_FALSE(text.has_value());
    CHECK(text.error().kind == ErrorKind::kIo);
  }
  const auto text = read_record_at(dir->get(), "f", buf, 6001);
  REQUIRE(text.has_value());
  CHECK(text->size() == 6000);
}

TEST_CASE("fd: read_record_at of /proc/self files equals read_all_at", "[base]") {
  auto self = open_at(AT_FDCWD, "/proc/self", O_DIRECTORY | O_RDONLY);
  REQUIRE(self.has_value());
  ReadBuffer record;
  ReadBuffer plain;
  // limits does not change while the test runs; stat's and statm's fields do, their shape not.
  const auto a = read_record_at(self->get(), "limits", record);
  const auto b = read_all_at(self->get(), "limits", plain);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(*a == *b);
  CHECK(a->find("Max open files") != std::string_view::npos);
  for (const char* name : {"stat", "statm", "status"}) {
    const auto text = read_record_at(self->get(), name, record);
    REQUIRE(text.has_value());
    REQUIRE_FALSE(text->empty());
    CHECK(text->back() == '\n');  // the whole record, up to its last line
  }
}

TEST_CASE("fd: read_record_at returns after a short read, without waiting for the end", "[base]") {
  // A FIFO whose writer keeps it open after writing: read_all_at would wait for the writer's
  // close (EOF); read_record_at takes the short read as the whole record. The writer closes after
  // a bounded wait whatever happens, so a regression fails the check instead of hanging.
  testing::FakeRoot root;
  const auto fifo = root / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::promise<void> read_done;
  std::atomic<bool> writer_closed{false};
  std::thread writer([&, done = read_done.get_future()] {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return;
    }
    const std::string_view record = "1 2 3\n";
    (void)!::write(fd, record.data(), record.size());
    (void)done.wait_for(std::chrono::seconds(10));  // the reader returned, or the bound
    writer_closed = true;
    ::close(fd);
  });
  ReadBuffer buf;
  const auto text = read_record_at(AT_FDCWD, fifo.c_str(), buf);
  const bool closed_before = writer_closed;
  read_done.set_value();
  writer.join();
  REQUIRE(text.has_value());
  CHECK(*text == "1 2 3\n");
  CHECK_FALSE(closed_before);
}
