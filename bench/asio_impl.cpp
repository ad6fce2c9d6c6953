// Compiles Asio and Beast once for the bench executables (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set by the homebase_asio target).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
