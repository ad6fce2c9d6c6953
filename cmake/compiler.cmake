# Compiler settings shared by every target: warnings, ccache, release flags.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_library(homebase_warnings INTERFACE)
target_compile_options(homebase_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                   -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                                   -Wimplicit-fallthrough
                                                   # GCC 12 false positives in libstdc++ and Asio coroutine frames:
                                                   -Wno-array-bounds -Wno-stringop-overflow -Wno-mismatched-new-delete)
if(HOMEBASE_WERROR)
  target_compile_options(homebase_warnings INTERFACE -Werror)
endif()

# RapidJSON: SSE2 scanning of whitespace is always available on x86-64.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_compile_definitions(RAPIDJSON_SSE2)
endif()
add_compile_definitions(RAPIDJSON_HAS_STDSTRING=1)
