# Debian package (CPack DEB) and the install rules for everything that is not the binary.
# Included by the root CMakeLists.txt: include(packaging/cpack.cmake OPTIONAL).
#
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-pkg --target leakwatchd
#   (cd build-pkg && cpack -G DEB)          -> build-pkg/leakwatch_<version>-1_<arch>.deb
#
# The binary's own rule is in daemon/CMakeLists.txt (install(TARGETS leakwatchd ... sbin)).
# tests/ops/check_deb.sh builds the package and runs lintian on it.

include(GNUInstallDirs)

set(LW_PKG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(LW_PKG_OUT ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${LW_PKG_OUT})

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr to build the .deb")
endif()

# The shipped configuration (a conffile). config/leakwatch.yaml documents every key with its
# default. LW_PACKAGE_CONFIG lets a test point at another file.
set(LW_PACKAGE_CONFIG "${PROJECT_SOURCE_DIR}/config/leakwatch.yaml"
    CACHE FILEPATH "Configuration file shipped as /etc/leakwatch/leakwatch.yaml")
if(NOT EXISTS "${LW_PACKAGE_CONFIG}")
  message(WARNING "packaging: ${LW_PACKAGE_CONFIG} does not exist; the package would ship a "
                  "placeholder /etc/leakwatch/leakwatch.yaml (tests/ops/check_deb.sh rejects it)")
  file(WRITE ${LW_PKG_OUT}/leakwatch.yaml
       "# LEAKWATCH-PLACEHOLDER-CONFIG: config/leakwatch.yaml was missing at build time.\n")
  set(LW_PACKAGE_CONFIG ${LW_PKG_OUT}/leakwatch.yaml)
endif()

# Paths. With prefix /usr (packaging) these are the Debian paths; with any other prefix
# everything stays under the prefix, so a `cmake --install` into a home directory works.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(LW_UNITDIR /lib/systemd/system)
else()
  set(LW_UNITDIR ${CMAKE_INSTALL_LIBDIR}/systemd/system)
endif()
set(LW_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/leakwatch)  # /etc/leakwatch for prefix /usr
set(LW_DATADIR ${CMAKE_INSTALL_DATADIR}/leakwatch)          # share/leakwatch
set(LW_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/leakwatch)      # share/doc/leakwatch
set(LW_MAN8DIR ${CMAKE_INSTALL_MANDIR}/man8)

# Directories created by install() are 0755 whatever the umask of the build.
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(LW_FILE_PERMS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Generated files: the man page and the Debian changelog, gzipped with -n (no name, no
# timestamp) so the package is reproducible; the changelog carries PROJECT_VERSION.
find_program(LW_GZIP gzip REQUIRED)
set(LW_DEB_REVISION 1)
set(LW_DEB_VERSION "${PROJECT_VERSION}-${LW_DEB_REVISION}")
configure_file(${LW_PKG_DIR}/debian/changelog.in ${LW_PKG_OUT}/changelog.Debian @ONLY)
foreach(pair "leakwatchd.8:${LW_PKG_DIR}/leakwatchd.8" "changelog.Debian:${LW_PKG_OUT}/changelog.Debian")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 src)
  execute_process(COMMAND ${LW_GZIP} -n -9 -c ${src}
                  OUTPUT_FILE ${LW_PKG_OUT}/${name}.gz RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "packaging: gzip ${src} failed")
  endif()
endforeach()
# Re-run the configure step (and so the gzip) when these change.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${LW_PKG_DIR}/leakwatchd.8 ${LW_PKG_DIR}/debian/changelog.in ${LW_PACKAGE_CONFIG})

install(FILES ${PROJECT_SOURCE_DIR}/systemd/leakwatch.service
        DESTINATION ${LW_UNITDIR} PERMISSIONS ${LW_FILE_PERMS})
install(FILES ${LW_PACKAGE_CONFIG} DESTINATION ${LW_CONFDIR} RENAME leakwatch.yaml
        PERMISSIONS ${LW_FILE_PERMS})
install(FILES ${PROJECT_SOURCE_DIR}/config/prometheus/leakwatch-rules.yml
              ${PROJECT_SOURCE_DIR}/config/grafana/leakwatch-dashboard.json
        DESTINATION ${LW_DATADIR} PERMISSIONS ${LW_FILE_PERMS})
install(FILES ${LW_PKG_DIR}/debian/copyright ${LW_PKG_OUT}/changelog.Debian.gz
        DESTINATION ${LW_DOCDIR} PERMISSIONS ${LW_FILE_PERMS})
if(EXISTS ${PROJECT_SOURCE_DIR}/README.md)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${LW_DOCDIR} PERMISSIONS ${LW_FILE_PERMS})
endif()
install(FILES ${LW_PKG_OUT}/leakwatchd.8.gz DESTINATION ${LW_MAN8DIR} PERMISSIONS ${LW_FILE_PERMS})
if(EXISTS ${LW_PKG_DIR}/lintian-overrides)
  install(FILES ${LW_PKG_DIR}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
          RENAME leakwatch PERMISSIONS ${LW_FILE_PERMS})
endif()

# conffiles: every file under /etc that dpkg must not overwrite silently.
file(WRITE ${LW_PKG_OUT}/conffiles "/etc/leakwatch/leakwatch.yaml\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME leakwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "leakwatch developers")
set(CPACK_PACKAGE_CONTACT "leakwatch developers <leakwatch@example.org>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "memory and file descriptor leak detector (Prometheus exporter)")
set(CPACK_DEBIAN_PACKAGE_NAME leakwatch)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${LW_DEB_REVISION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: /bin/kill, used by the unit's ExecReload= (not in a minimal Debian 12).
# libfmt9: lib/format, libre2-9: the configured regexes (lib/base/pattern), libhttp-parser2.9 and
# libgcrypt20 (SHA-256): lib/http. shlibdeps finds them too; named so a build without
# dpkg-shlibdeps still declares them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps, libfmt9, libre2-9, libhttp-parser2.9, libgcrypt20")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana")
# The synopsis (first line of Description:) is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the
# extended description that follows it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"leakwatchd samples every process and every memory cgroup on a fixed interval,
keeps their recent history in memory and serves Prometheus metrics: the raw
gauges (RSS, PSS, USS, swap, file descriptors, cgroup usage) and what PromQL
cannot compute from them: pid-reuse-aware growth rates, the growth pattern
of each process, a leak suspect flag and the time left until it hits its
limit. It also names the victims of OOM kills and keeps their history for
the post-mortem.
.
The package ships a hardened systemd unit, the Prometheus alert rules and a
Grafana dashboard (in /usr/share/leakwatch).")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${LW_PKG_DIR}/debian/postinst ${LW_PKG_DIR}/debian/prerm ${LW_PKG_DIR}/debian/postrm
    ${LW_PKG_OUT}/conffiles)
# Maintainer scripts 0755, conffiles 0644, whatever the modes in the source tree.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
