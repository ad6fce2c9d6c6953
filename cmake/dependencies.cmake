# Every dependency comes from Debian 12 packages (deploy/install-deps.sh installs them).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)  # libspdlog-dev: the JSON log lines (gateway/log/json_log)
# libcurl4-openssl-dev: the secure e-mail channel's SMTP client (gateway/letters/mail_sender).
find_package(CURL 7.85 REQUIRED)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)

add_library(homebase_rapidjson INTERFACE)
target_include_directories(homebase_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIR})

# Asio and Beast compiled once, in one translation unit (gateway/asio_impl.cpp), never in headers.
add_library(homebase_asio INTERFACE)
target_compile_definitions(homebase_asio INTERFACE BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                                                   BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
target_link_libraries(homebase_asio INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

# libsystemd-dev: sd_notify for Type=notify readiness and the watchdog (gateway/service/service_notifier).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
# libcairo2-dev + libpango1.0-dev: the letters' PDF (gateway/letters/letter_pdf), text shaped by pango with
# fonts found through fontconfig.
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf)
