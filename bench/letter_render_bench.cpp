// letter_render_bench: how fast a school letter renders (issue 12 "Measure"). Renders the typical letter of
// tests/gateway/letters/sample_letter.hpp (five sections, two pages, a Devanagari name) N times as PDF and
// as HTML on one thread, after a warm-up (fontconfig's first lookup is paid once per process), and prints
// letters/s, p50, p99 and max per render, and the sizes. One JSON line at the end for scripts.
// Usage: homebase_letter_render [N=500] [--write FILE.pdf]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/letters/letter_html.hpp"
#include "gateway/letters/letter_pdf.hpp"
#include "tests/gateway/letters/sample_letter.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct figures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double cpu_p50_ms = 0;  // this thread's CPU time: what a render costs on a machine others share too
  double cpu_p99_ms = 0;
  double cpu_per_second = 0;  // renders per second of this thread's CPU: one quiet core's rate
};

double at(const std::vector<double>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

template <typename F>
figures measure(int n, F render) {
  std::vector<double> ms, cpu;
  ms.reserve(static_cast<std::size_t>(n));
  cpu.reserve(static_cast<std::size_t>(n));
  auto start = clock_type::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    double c0 = thread_cpu_ms();
    if (!render()) std::exit(1);
    cpu.push_back(thread_cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
  }
  double total = std::chrono::duration<double>(clock_type::now() - start).count();
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  double cpu_total = 0;
  for (double c : cpu) cpu_total += c;
  return {static_cast<double>(n) / total,
          at(ms, 0.50),
          at(ms, 0.99),
          ms.back(),
          at(cpu, 0.50),
          at(cpu, 0.99),
          static_cast<double>(n) / (cpu_total / 1e3)};
}

}  // namespace

int main(int argc, char** argv) {
  int n = 500;
  std::string write_to;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--write" && i + 1 < argc)
      write_to = argv[++i];
    else
      n = std::max(1, std::atoi(argv[i]));
  }
  const auto letter = homebase::test::sample_letter();
  namespace hl = homebase::gateway::letters;

  auto first_start = clock_type::now();
  auto pdf = hl::render_pdf(letter);
  double first_ms = std::chrono::duration<double, std::milli>(clock_type::now() - first_start).count();
  if (!pdf) {
    std::fprintf(stderr, "render failed: %s\n", pdf.error().c_str());
    return 1;
  }
  if (!write_to.empty()) std::ofstream(write_to, std::ios::binary) << *pdf;
  for (int i = 0; i < 10; ++i) (void)hl::render_pdf(letter);  // warm-up

  std::size_t pdf_size = pdf->size();
  figures p = measure(n, [&] { return hl::render_pdf(letter).has_value(); });
  std::size_t html_size = hl::render_html(letter).size();
  figures h = measure(n * 20, [&] { return !hl::render_html(letter).empty(); });

  std::printf("letters: %d renders each, one thread\n", n);
  std::printf("  first PDF render (fontconfig cold): %.1f ms\n", first_ms);
  std::printf("  PDF  wall: %7.1f letters/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", p.per_second,
              p.p50_ms, p.p99_ms, p.max_ms);
  std::printf("  PDF  cpu : %7.1f letters/s  p50 %7.2f ms  p99 %7.2f ms  size %zu bytes\n", p.cpu_per_second,
              p.cpu_p50_ms, p.cpu_p99_ms, pdf_size);
  std::printf("  HTML wall: %7.0f letters/s  p50 %7.3f ms  p99 %7.3f ms  size %zu bytes\n", h.per_second,
              h.p50_ms, h.p99_ms, html_size);
  std::printf("  HTML cpu : %7.0f letters/s  p50 %7.3f ms  p99 %7.3f ms\n", h.cpu_per_second, h.cpu_p50_ms,
              h.cpu_p99_ms);
  std::printf(
      "{\"tool\":\"homebase_letter_render\",\"n\":%d,\"first_ms\":%.1f,\"pdf_per_s\":%.1f,"
      "\"pdf_p50_ms\":%.2f,\"pdf_p99_ms\":%.2f,\"pdf_cpu_per_s\":%.1f,\"pdf_cpu_p50_ms\":%.2f,"
      "\"pdf_cpu_p99_ms\":%.2f,\"pdf_bytes\":%zu,\"html_per_s\":%.0f,\"html_cpu_p99_ms\":%.3f,"
      "\"html_bytes\":%zu}\n",
      n, first_ms, p.per_second, p.p50_ms, p.p99_ms, p.cpu_per_second, p.cpu_p50_ms, p.cpu_p99_ms, pdf_size,
      h.per_second, h.cpu_p99_ms, html_size);
  return 0;
}
