#include "sync/usb_sticks.h"

#include <catch2/catch.hpp>

#include "base/files.h"
#include "tests/base/scratch_dir.h"

namespace {

using station_sync::DescribeStick;
using station_sync::RemovableMountPoints;

TEST_CASE("sticks are the mounts under /media, /run/media and /mnt, names unescaped", "[sync][usb]") {
  const std::string mounts =
      "/dev/sda1 / ext4 rw,relatime 0 0\n"
      "proc /proc proc rw,nosuid 0 0\n"
      "/dev/sdb1 /media/admin/VILLAGE vfat rw,nosuid,nodev 0 0\n"
      "/dev/sdc1 /run/media/admin/COUNTY\\040STICK exfat rw 0 0\n"
      "/dev/sdd1 /mnt vfat rw 0 0\n"
      "/dev/sde1 /mnt/usb ntfs3 rw 0 0\n"
      "tmpfs /media tmpfs rw 0 0\n"
      "/dev/sdf1 /mediaplayer ext4 rw 0 0\n"
      "garbage-line-without-fields";
  CHECK(RemovableMountPoints(mounts) == std::vector<std::string>{"/media/admin/VILLAGE",
                                                                  "/run/media/admin/COUNTY STICK", "/mnt",
                                                                  "/mnt/usb"});
  CHECK(RemovableMountPoints("").empty());
}

TEST_CASE("a stick's description says whether it carries a county package, and which version", "[sync][usb]") {
  test::ScratchDir stick;
  SECTION("an empty stick: no package, its free space") {
    const auto described = DescribeStick(stick.path() + "/");
    CHECK_FALSE(described.has_package);
    CHECK(described.free_bytes > 0);
    CHECK(described.name == stick.path().substr(stick.path().rfind('/') + 1));
  }
  SECTION("a package: its catalog's version") {
    REQUIRE(base::MakeDirectories(stick.File("village-station/package")).ok());
    REQUIRE(base::WriteFileDurably(stick.File("village-station/package/catalog.json"),
                                   R"({"format": 2, "version": 7, "published_at": 1, "expires_at": 2, "lessons": []})")
                .ok());
    const auto described = DescribeStick(stick.path());
    CHECK(described.has_package);
    CHECK(described.package_version == 7);
    CHECK(described.package_problem.empty());
  }
  SECTION("a package whose catalog is damaged: there, with the reason") {
    REQUIRE(base::MakeDirectories(stick.File("village-station/package")).ok());
    REQUIRE(base::WriteFileDurably(stick.File("village-station/package/catalog.json"), "{\"format\": 2, \"vers").ok());
    const auto described = DescribeStick(stick.path());
    CHECK(described.has_package);
    CHECK_FALSE(described.package_version);
    CHECK(described.package_problem.find("JSON") != std::string::npos);
  }
}

}  // namespace
