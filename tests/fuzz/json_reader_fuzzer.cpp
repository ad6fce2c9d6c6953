// json_reader_fuzzer: bytes -> fhir's JSON readers (json_document). The lossless reader must accept
// exactly what the plain and in-place readers accept (the same limits), and what it accepts must survive
// canonical writing: the canonical text parses again, to the same canonical text (a fixed point), and
// every number keeps its spelling. Any disagreement is a finding (abort), as is any sanitizer report.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fhir/json_document.hpp"

namespace fhir = homebase::fhir;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhir::json_limits limits{64};

  fhir::lossless_json lossless;
  auto lossless_error = fhir::parse_json_lossless(text, lossless, limits);

  rapidjson::Document plain;
  auto plain_error = fhir::parse_json(text, plain, limits);
  if (lossless_error.has_value() != plain_error.has_value()) std::abort();

  std::string buffer(text);
  rapidjson::Document in_place;
  auto in_place_error = fhir::parse_json_in_place(buffer, in_place, limits);
  if (in_place_error.has_value() != plain_error.has_value()) std::abort();

  if (lossless_error) {
    if (lossless_error->offset > size) std::abort();
    return 0;
  }
  if (plain != in_place) std::abort();

  std::string canonical = fhir::to_canonical_json(lossless.document, &lossless);
  (void)fhir::to_json(plain);

  // Canonical text is JSON again, and writing it once more changes nothing. (Nesting may exceed the
  // limit only if the reader let it through, so the second read uses the same limit.)
  fhir::lossless_json again;
  if (fhir::parse_json_lossless(canonical, again, limits)) std::abort();
  if (again.number_count() != lossless.number_count()) std::abort();
  if (fhir::to_canonical_json(again.document, &again) != canonical) std::abort();
  return 0;
}
