# The BPF half of attribution: alloc.bpf.c compiled with clang -target bpf, embedded in a libbpf
# skeleton header (bpftool gen skeleton) that lib/sites/capture.cpp includes. Uprobes need no
# kernel types, so there is no vmlinux.h and the object does not depend on the build host's kernel.
# Included by lib/sites/CMakeLists.txt after lw_sites exists.
find_program(LW_CLANG NAMES clang clang-14 REQUIRED)     # Debian: clang
find_program(LW_BPFTOOL NAMES bpftool PATHS /usr/sbin REQUIRED)  # Debian: bpftool
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)  # Debian: libbpf-dev
set(lw_bpf_dir ${CMAKE_CURRENT_SOURCE_DIR}/bpf)
set(lw_bpf_out ${CMAKE_CURRENT_BINARY_DIR}/bpf)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE lw_multiarch
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT lw_multiarch)
  set(lw_multiarch x86_64-linux-gnu)
endif()
add_custom_command(
  OUTPUT ${lw_bpf_out}/alloc.bpf.o
  COMMAND ${CMAKE_COMMAND} -E make_directory ${lw_bpf_out}
  COMMAND ${LW_CLANG} -target bpf -O2 -g -D__TARGET_ARCH_x86 -I/usr/include/${lw_multiarch}
    -I${lw_bpf_dir} -c ${lw_bpf_dir}/alloc.bpf.c -o ${lw_bpf_out}/alloc.bpf.o
  DEPENDS ${lw_bpf_dir}/alloc.bpf.c ${lw_bpf_dir}/alloc_record.h
  COMMENT "BPF: alloc.bpf.c"
  VERBATIM)
add_custom_command(
  OUTPUT ${lw_bpf_out}/alloc.skel.h
  COMMAND sh -c "{ echo '// NOLINTBEGIN: generated'; \"$0\" gen skeleton \"$1\" name alloc_bpf; echo '// NOLINTEND'; } > \"$2\"" ${LW_BPFTOOL}
    ${lw_bpf_out}/alloc.bpf.o ${lw_bpf_out}/alloc.skel.h
  DEPENDS ${lw_bpf_out}/alloc.bpf.o
  COMMENT "BPF: alloc.skel.h"
  VERBATIM)
add_custom_target(lw_sites_bpf DEPENDS ${lw_bpf_out}/alloc.skel.h)
add_dependencies(lw_sites lw_sites_bpf)
# The generated skeleton is a system header: neither -Werror nor clang-tidy judge bpftool's C.
target_include_directories(lw_sites SYSTEM PRIVATE ${lw_bpf_out})
target_link_libraries(lw_sites PRIVATE PkgConfig::LIBBPF)
target_compile_definitions(lw_sites PUBLIC LW_HAVE_BPF=1)
