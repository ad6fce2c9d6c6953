// The one translation unit that compiles Asio, Asio SSL and Beast (separate compilation keeps every other
// gateway source from instantiating their implementation again).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
