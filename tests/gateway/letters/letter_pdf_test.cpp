// letter_pdf: the PDF read back with poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm): the text is
// there in the family's spelling (accents, Devanagari), only what was put in, the notices, a footer on every
// page, the metadata, embedded fonts. Each test keeps its PDF and page 1 as PNG under
// build/test-artifacts/letters/ to be looked at.
#include "gateway/letters/letter_pdf.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/gateway/letters/sample_letter.hpp"

namespace homebase::gateway::letters {
namespace {

namespace fs = std::filesystem;

struct tool_result {
  int status = -1;
  std::string out;
};

// Runs a shell command (fixed tool names and our own file paths only) and collects its stdout.
tool_result run(const std::string& command) {
  tool_result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  r.status = pclose(pipe);
  return r;
}

// Collapses every run of whitespace to one space: pdftotext -layout pads columns and breaks lines.
std::string flat(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Renders `letter`, keeps letter PDF and page-1 PNG as artifacts named `name`, returns the PDF's path.
fs::path render_artifact(const mappers::disclosure::letter_content& letter, const std::string& name) {
  fs::path dir = HOMEBASE_LETTER_ARTIFACTS_DIR;
  fs::create_directories(dir);
  auto pdf = render_pdf(letter);
  EXPECT_TRUE(pdf.has_value()) << (pdf.has_value() ? "" : pdf.error());
  if (!pdf.has_value()) return {};
  fs::path file = dir / (name + ".pdf");
  std::ofstream(file, std::ios::binary) << *pdf;
  run("pdftoppm -png -r 60 -f 1 -l 1 -singlefile '" + file.string() + "' '" + (dir / name).string() + "'");
  return file;
}

std::string text_of(const fs::path& pdf, int page = 0) {
  std::string range = page > 0 ? " -f " + std::to_string(page) + " -l " + std::to_string(page) : "";
  tool_result r = run("pdftotext -layout -enc UTF-8" + range + " '" + pdf.string() + "' -");
  EXPECT_EQ(r.status, 0);
  return flat(r.out);
}

std::string info_field(const std::string& info, const std::string& key) {
  std::istringstream in(info);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::size_t v = line.find_first_not_of(' ', key.size() + 1);
    return v == std::string::npos ? "" : line.substr(v);
  }
  return "";
}

int page_count(const fs::path& pdf) {
  tool_result r = run("pdfinfo '" + pdf.string() + "'");
  EXPECT_EQ(r.status, 0);
  return std::atoi(info_field(r.out, "Pages").c_str());
}

TEST(letter_pdf, has_the_letter_in_the_familys_spelling) {
  auto letter = test::sample_letter();
  fs::path pdf = render_artifact(letter, "typical_letter");
  ASSERT_FALSE(pdf.empty());
  std::string text = text_of(pdf);
  EXPECT_NE(text.find("Sofía Reyes"), std::string::npos) << text;
  EXPECT_NE(text.find("José Reyes"), std::string::npos) << text;
  EXPECT_NE(text.find("अनन्या शर्मा"), std::string::npos) << text;
  EXPECT_NE(text.find("Riverbend Pediatrics"), std::string::npos);
  EXPECT_NE(text.find("December 6, 2026"), std::string::npos);
  EXPECT_NE(text.find("Section 504 Coordinator"), std::string::npos);
  EXPECT_NE(text.find("Lincoln Elementary School"), std::string::npos);
  EXPECT_NE(text.find("Re: Section 504 plan: health information for Sofía Reyes"), std::string::npos);
  EXPECT_NE(text.find("Date of birth: March 3, 2015"), std::string::npos);
  EXPECT_NE(text.find("Dear Section 504 Coordinator,"), std::string::npos);
  for (const auto& s : letter.sections) EXPECT_NE(text.find(s.heading), std::string::npos) << s.heading;
  EXPECT_NE(text.find("ICD-10-CM E10.9"), std::string::npos);
  EXPECT_NE(text.find("Elena Brooks, MD, FAAP"), std::string::npos);
  EXPECT_NE(text.find("NPI 1234567893"), std::string::npos);
  EXPECT_NE(text.find("Electronically signed on December 6, 2026 at 14:03 UTC"), std::string::npos) << text;
  EXPECT_NE(text.find("Notice to the recipient: redisclosure"), std::string::npos);
  EXPECT_NE(text.find("45 CFR Parts 160 and 164"), std::string::npos);
  EXPECT_NE(text.find("The right to revoke this authorization"), std::string::npos);
  EXPECT_NE(text.find("may revoke this authorization at any time"), std::string::npos);
  EXPECT_NE(text.find("Consent/cons-4411"), std::string::npos);
  EXPECT_NE(text.find("Letter ltr-7f3a9c"), std::string::npos);
  EXPECT_EQ(text.find("DRAFT"), std::string::npos);
}

TEST(letter_pdf, says_nothing_that_was_not_put_in) {
  // The gate left the behavioral health section out: nothing of it may appear.
  auto letter = test::sample_letter();
  std::string text = text_of(render_artifact(letter, "without_behavioral_health"));
  EXPECT_EQ(text.find("F90"), std::string::npos);
  EXPECT_EQ(text.find("ADHD"), std::string::npos);
  EXPECT_EQ(text.find("attention"), std::string::npos);
  EXPECT_EQ(text.find("Behavioral"), std::string::npos);

  letter.sections.push_back({"Behavioral health", {}, {"ADHD, combined type (ICD-10-CM F90.2)"}});
  text = text_of(render_artifact(letter, "with_behavioral_health"));
  EXPECT_NE(text.find("ICD-10-CM F90.2"), std::string::npos);  // the check above can see it when present
}

TEST(letter_pdf, puts_the_footer_on_every_page_of_a_long_letter) {
  auto letter = test::sample_letter();
  std::string long_paragraph;
  for (int i = 0; i < 40; ++i)
    long_paragraph += "Sentence " + std::to_string(i + 1) + " of a long clinical summary that goes on. ";
  letter.sections[2].paragraphs.push_back(long_paragraph);
  for (int i = 0; i < 12; ++i)
    letter.sections[3].items.push_back("Accommodation number " + std::to_string(i + 1) +
                                       ", written as a need the school can meet, long enough to wrap onto a "
                                       "second line of the bulleted list.");
  fs::path pdf = render_artifact(letter, "long_letter");
  int pages = page_count(pdf);
  ASSERT_GE(pages, 2);
  for (int p = 1; p <= pages; ++p) {
    std::string text = text_of(pdf, p);
    std::string number = "Page " + std::to_string(p) + " of " + std::to_string(pages);
    EXPECT_NE(text.find(number), std::string::npos) << number << "\n" << text;
    EXPECT_NE(text.find("Consent/cons-4411"), std::string::npos) << "page " << p;
    EXPECT_NE(text.find("Letter ltr-7f3a9c"), std::string::npos) << "page " << p;
    if (p > 1) {
      EXPECT_NE(text.find("Sofía Reyes · Date of birth March 3, 2015"), std::string::npos) << text;
    }
  }
  // Split across pages, nothing lost: every sentence and item is there once.
  std::string all = text_of(pdf);
  EXPECT_NE(all.find("Sentence 1 of"), std::string::npos);
  EXPECT_NE(all.find("Sentence 40 of"), std::string::npos);
  EXPECT_NE(all.find("Accommodation number 12,"), std::string::npos);
  EXPECT_NE(all.find("The right to revoke this authorization"), std::string::npos);
}

TEST(letter_pdf, splits_a_paragraph_longer_than_a_page) {
  auto letter = test::sample_letter();
  std::string huge;
  for (int i = 0; i < 160; ++i) huge += "Word" + std::to_string(i) + " and some more text to fill the line. ";
  letter.sections[0].paragraphs = {huge};
  fs::path pdf = render_artifact(letter, "huge_paragraph");
  int pages = page_count(pdf);
  EXPECT_GE(pages, 3);
  std::string all = text_of(pdf);
  EXPECT_NE(all.find("Word0 "), std::string::npos);
  EXPECT_NE(all.find("Word159 "), std::string::npos);
  EXPECT_NE(text_of(pdf, pages).find("Page " + std::to_string(pages) + " of " + std::to_string(pages)),
            std::string::npos);
}

TEST(letter_pdf, a_typical_letter_fits_two_pages_with_page_numbers) {
  fs::path pdf = render_artifact(test::sample_letter(), "typical_pages");
  int pages = page_count(pdf);
  EXPECT_GE(pages, 1);
  EXPECT_LE(pages, 2);
  EXPECT_NE(text_of(pdf, pages).find("Page " + std::to_string(pages) + " of " + std::to_string(pages)),
            std::string::npos);
}

TEST(letter_pdf, sets_the_document_metadata) {
  fs::path pdf = render_artifact(test::sample_letter(), "metadata");
  tool_result r = run("pdfinfo -enc UTF-8 '" + pdf.string() + "'");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(info_field(r.out, "Title"), "Section 504 plan: health information for Sofía Reyes");
  EXPECT_EQ(info_field(r.out, "Author"), "Riverbend Pediatrics");
  EXPECT_EQ(info_field(r.out, "Subject"), "Letter ltr-7f3a9c to Lincoln Elementary School");
  EXPECT_EQ(info_field(r.out, "Creator"), "Homebase");
  EXPECT_NE(info_field(r.out, "CreationDate").find("2026"), std::string::npos) << r.out;
  EXPECT_NE(info_field(r.out, "Page size").find("612 x 792 pts (letter)"), std::string::npos) << r.out;
}

TEST(letter_pdf, embeds_its_fonts) {
  fs::path pdf = render_artifact(test::sample_letter(), "fonts");
  tool_result r = run("pdffonts '" + pdf.string() + "'");
  ASSERT_EQ(r.status, 0);
  std::istringstream in(r.out);
  std::string line;
  int fonts = 0;
  for (int i = 0; std::getline(in, line); ++i) {
    if (i < 2 || line.empty()) continue;  // the table's heading and rule
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    ASSERT_GE(w.size(), 7u) << line;
    EXPECT_EQ(w[w.size() - 5], "yes") << "not embedded: " << line;
    ++fonts;
  }
  EXPECT_GE(fonts, 2);
  EXPECT_NE(r.out.find("NotoSans-"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NotoSansDevanagari"), std::string::npos) << r.out;
}

TEST(letter_pdf, marks_a_draft_on_every_page) {
  auto letter = test::sample_letter();
  letter.draft = true;
  letter.signer.signed_at.clear();
  for (int i = 0; i < 30; ++i) letter.sections[3].items.push_back("Another need " + std::to_string(i) + ".");
  fs::path pdf = render_artifact(letter, "draft_letter");
  int pages = page_count(pdf);
  ASSERT_GE(pages, 2);
  for (int p = 1; p <= pages; ++p) {
    tool_result r = run("pdftotext -raw -enc UTF-8 -f " + std::to_string(p) + " -l " + std::to_string(p) +
                        " '" + pdf.string() + "' -");
    // The mark is drawn on a slant: text extraction gives its letters one by one, so compare without spaces.
    std::string letters;
    for (char c : r.out)
      if (c != ' ' && c != '\n' && c != '\f') letters += c;
    EXPECT_NE(letters.find("DRAFT-notapproved"), std::string::npos) << "page " << p << "\n" << r.out;
  }
  std::string text = text_of(pdf);
  EXPECT_EQ(text.find("Electronically signed"), std::string::npos);
  EXPECT_NE(text.find("Not yet signed"), std::string::npos);
}

TEST(letter_pdf, survives_odd_input) {
  mappers::disclosure::letter_content empty;
  auto pdf = render_pdf(empty);
  ASSERT_TRUE(pdf.has_value()) << pdf.error();
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);

  auto letter = test::sample_letter();
  letter.child_name = "Bad \xff\xfe bytes <b>&amp;";
  letter.sections[0].paragraphs.push_back(std::string(5000, 'x'));  // one unbreakable word
  fs::path file = render_artifact(letter, "odd_input");
  std::string text = text_of(file);
  EXPECT_NE(text.find("<b>&amp;"), std::string::npos) << text;
}

TEST(letter_pdf, renders_on_many_threads_at_once) {
  const auto letter = test::sample_letter();
  auto single = render_pdf(letter);
  ASSERT_TRUE(single.has_value());
  std::array<std::size_t, 4> sizes{};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < sizes.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto pdf = render_pdf(letter);
        sizes[t] = pdf.has_value() ? pdf->size() : 0;
      }
    });
  for (auto& t : threads) t.join();
  for (std::size_t s : sizes) EXPECT_GT(s, 1000u);
}

}  // namespace
}  // namespace homebase::gateway::letters
