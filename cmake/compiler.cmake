# Compiler settings shared by every target: warnings, ccache, release flags, sanitizers.
option(HOMEBASE_SANITIZE "Build every target with ASan + UBSan" OFF)
option(HOMEBASE_FUZZ "Build the libFuzzer targets (clang)" OFF)
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_library(homebase_warnings INTERFACE)
target_compile_options(homebase_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                   -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                                   -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 false positives in libstdc++ and Asio coroutine frames:
  target_compile_options(homebase_warnings INTERFACE -Wno-array-bounds -Wno-stringop-overflow
                                                     -Wno-mismatched-new-delete)
endif()
if(HOMEBASE_WERROR)
  target_compile_options(homebase_warnings INTERFACE -Werror)
endif()

# RapidJSON: SSE2 scanning of whitespace is always available on x86-64. Not in the sanitizer tree: it loads
# aligned 16-byte blocks that may run past the end of the text (never past its page, so harmless), which
# AddressSanitizer reports as a heap overflow; the scalar scan it replaces is the same parse.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT HOMEBASE_SANITIZE)
  add_compile_definitions(RAPIDJSON_SSE2)
endif()
add_compile_definitions(RAPIDJSON_HAS_STDSTRING=1)

# Sanitizers and fuzzing (clang; deploy/sanitize.sh and deploy/fuzz.sh use one tree for both):
#   HOMEBASE_SANITIZE=ON  every target with AddressSanitizer + UndefinedBehaviorSanitizer, stopping at the
#                         first UB report (-fno-sanitize-recover) so that a finding fails the test.
#   HOMEBASE_FUZZ=ON      the libFuzzer targets in tests/fuzz (clang only); every library is then also
#                         instrumented for coverage (-fsanitize=fuzzer-no-link) so the fuzzer sees its paths.
if(HOMEBASE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "HOMEBASE_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
endif()
if(HOMEBASE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang 14's -fsanitize=function (part of `undefined`) puts prologue data in coroutines' split resume
    # and destroy functions that the assembler cannot place ("Cannot represent a difference across
    # sections"). Only that check is left out; the rest of UBSan covers coroutine code too.
    add_compile_options(-fno-sanitize=function)
    set(ignorelist ${PROJECT_SOURCE_DIR}/cmake/sanitize-ignorelist.txt)
    add_compile_options(-fsanitize-ignorelist=${ignorelist})
    # ccache does not hash the list's content: a define with its hash makes a changed list recompile.
    file(SHA256 ${ignorelist} ignorelist_hash)
    string(SUBSTRING ${ignorelist_hash} 0 16 ignorelist_hash)
    add_compile_definitions(HOMEBASE_SANITIZE_IGNORELIST=${ignorelist_hash})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ignorelist})
  endif()
  add_link_options(-fsanitize=address,undefined)
endif()
if(HOMEBASE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
