// letter_pdf: lays a letter_content out on US Letter pages with pango (shaping, line breaking, per-script
// font fallback through fontconfig) and draws it with cairo's PDF surface into memory.
//
// How a render goes:
//   1. build: the letter becomes a list of blocks (one pango layout each: a letterhead line, an address
//      line, a heading, a paragraph, a bulleted item, a notice), with spacing, grouping and keep rules;
//   2. place: blocks are cut into their lines and the lines are put on pages top to bottom. A heading keeps
//      with the first lines of what follows; a group (the signature, the notice box) moves to a new page
//      when it would not fit in what is left but fits on an empty page; anything else (a long paragraph, a
//      long list item) simply continues on the next page, line by line. After this pass the page count M
//      is known;
//   3. draw: per page, the watermark of a draft (behind everything), the running header of pages 2..M,
//      the notice box's frame, the lines, and the footer (authorization text, letter id, "Page N of M").
//
// PDF/A-2b: cairo cannot write PDF/A (no OutputIntent, no XMP metadata, no way to forbid what PDF/A
// forbids), and this unit does not pretend to: the output is a plain PDF 1.5 with embedded subset fonts
// and document metadata (title, author, subject, creator, creation date).
#include "gateway/letters/letter_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

#include "gateway/letters/signature_time.hpp"

namespace homebase::gateway::letters {
namespace {

namespace md = mappers::disclosure;

// Geometry in PDF points (1/72 inch). US Letter with one-inch side margins.
constexpr double page_width = 612.0;
constexpr double page_height = 792.0;
constexpr double margin_left = 72.0;
constexpr double margin_right = 72.0;
constexpr double margin_top = 54.0;
constexpr double margin_bottom = 40.0;
constexpr double content_width = page_width - margin_left - margin_right;
constexpr double bullet_indent = 16.0;
constexpr double box_padding = 9.0;
constexpr double footer_gap = 14.0;        // between the last body line and the footer's rule
constexpr double running_header_h = 26.0;  // pages 2..M: the child's name and date of birth

constexpr const char* body_font = "Noto Sans 10.5";
constexpr const char* small_font = "Noto Sans 8";
constexpr const char* notice_font = "Noto Sans 8.5";
constexpr const char* heading_font = "Noto Sans Bold 11.5";
constexpr const char* practice_font = "Noto Sans Bold 18";
constexpr const char* contact_font = "Noto Sans 8.5";
constexpr const char* watermark_font = "Noto Sans Bold 54";

struct rgb {
  double r, g, b;
};
constexpr rgb ink{0.10, 0.10, 0.12};
constexpr rgb accent{0.08, 0.24, 0.42};  // the practice's name, headings and rules
constexpr rgb muted{0.36, 0.36, 0.40};   // contact details, footer, running header
constexpr rgb box_fill{0.955, 0.96, 0.97};
constexpr rgb box_line{0.62, 0.65, 0.70};

struct gobject_unref {
  void operator()(void* p) const { g_object_unref(p); }
};
struct surface_destroy {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct cairo_destroy_t {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct font_free {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
using layout_ptr = std::unique_ptr<PangoLayout, gobject_unref>;
using context_ptr = std::unique_ptr<PangoContext, gobject_unref>;
using font_ptr = std::unique_ptr<PangoFontDescription, font_free>;

// Pango needs valid UTF-8; text from outside is repaired (U+FFFD) rather than trusted.
std::string valid_utf8(std::string_view text) {
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return std::string(text);
  gchar* fixed = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string out(fixed);
  g_free(fixed);
  return out;
}

// A run of text with its weight/style, for a line such as "Date of birth: March 3, 2015".
struct run {
  std::string text;
  bool bold = false;
  bool italic = false;
};

enum class align { left, right };

struct block {
  layout_ptr layout;
  double x = margin_left;
  double space_before = 0;
  rgb color = ink;
  bool bullet = false;          // draw a bullet before the first line
  bool keep_with_next = false;  // a heading: never the last thing on a page
  int group = -1;               // blocks of one group stay on one page if they can
  bool boxed = false;           // inside the notice box
  bool rule_after = false;      // the letterhead's rule
};

// One placed line of a block.
struct placed_line {
  int page;
  const block* owner;
  int line_index;
  double baseline;  // page y of the baseline
  double top;       // page y of the line's logical top
  double bottom;
};

struct page_rule {
  int page;
  double y;
};

class letter_layout {
 public:
  letter_layout(PangoContext* context, const md::letter_content& letter)
      : context_(context), letter_(letter) {}

  void build();
  void place();
  [[nodiscard]] int pages() const { return pages_; }
  void draw(cairo_t* cr) const;

 private:
  layout_ptr make_layout(const std::vector<run>& runs, const char* font, double width, align a = align::left,
                         double spacing = 0) const;
  block& add(const std::vector<run>& runs, const char* font, double space_before,
             double width = content_width);
  [[nodiscard]] double group_height(std::size_t first) const;
  static double line_height(const block& b, int index);
  void draw_footer(cairo_t* cr, int page) const;
  void draw_watermark(cairo_t* cr) const;
  void draw_running_header(cairo_t* cr) const;

  PangoContext* context_;
  const md::letter_content& letter_;
  std::vector<block> blocks_;
  std::vector<placed_line> lines_;
  std::vector<page_rule> rules_;
  layout_ptr footer_text_;
  layout_ptr footer_id_;
  layout_ptr bullet_;
  double body_bottom_ = page_height - margin_bottom;
  int pages_ = 1;
};

layout_ptr letter_layout::make_layout(const std::vector<run>& runs, const char* font, double width, align a,
                                      double spacing) const {
  layout_ptr layout(pango_layout_new(context_));
  std::string text;
  PangoAttrList* attrs = pango_attr_list_new();
  for (const run& r : runs) {
    std::string part = valid_utf8(r.text);
    auto start = static_cast<guint>(text.size());
    text += part;
    auto end = static_cast<guint>(text.size());
    if (r.bold) {
      PangoAttribute* attr = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
      attr->start_index = start;
      attr->end_index = end;
      pango_attr_list_insert(attrs, attr);
    }
    if (r.italic) {
      PangoAttribute* attr = pango_attr_style_new(PANGO_STYLE_ITALIC);
      attr->start_index = start;
      attr->end_index = end;
      pango_attr_list_insert(attrs, attr);
    }
  }
  font_ptr desc(pango_font_description_from_string(font));
  pango_layout_set_font_description(layout.get(), desc.get());
  pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
  pango_layout_set_attributes(layout.get(), attrs);
  pango_attr_list_unref(attrs);
  pango_layout_set_width(layout.get(), pango_units_from_double(width));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout.get(), a == align::right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  if (spacing > 0) pango_layout_set_spacing(layout.get(), pango_units_from_double(spacing));
  return layout;
}

block& letter_layout::add(const std::vector<run>& runs, const char* font, double space_before, double width) {
  block b;
  b.layout = make_layout(runs, font, width, align::left, 1.5);
  b.space_before = space_before;
  blocks_.push_back(std::move(b));
  return blocks_.back();
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

void letter_layout::build() {
  const md::letterhead& head = letter_.head;
  // Letterhead: the practice's name, then its address and contact details small, then a rule.
  add({{head.practice_name}}, practice_font, 0).color = accent;
  std::string address = join(head.address_lines, "  ·  ");
  if (!address.empty()) add({{address}}, contact_font, 3).color = muted;
  std::vector<std::string> contact;
  if (!head.phone.empty()) contact.push_back("Phone " + head.phone);
  if (!head.fax.empty()) contact.push_back("Fax " + head.fax);
  if (!head.email.empty()) contact.push_back(head.email);
  if (!head.website.empty()) contact.push_back(head.website);
  std::string contacts = join(contact, "  ·  ");
  if (!contacts.empty()) add({{contacts}}, contact_font, 1).color = muted;
  blocks_.back().rule_after = true;

  add({{letter_.date}}, body_font, 30);

  // The addressee block.
  bool first = true;
  auto address_line = [&](const std::string& text) {
    if (text.empty()) return;
    add({{text}}, body_font, first ? 20 : 0).group = 1;
    first = false;
  };
  address_line(letter_.addressee);
  address_line(letter_.school_name);
  for (const std::string& l : letter_.school_address_lines) address_line(l);

  if (!letter_.subject.empty()) add({{"Re: ", true}, {letter_.subject, true}}, body_font, 20);
  add({{"Student: ", true}, {letter_.child_name}}, body_font, letter_.subject.empty() ? 20 : 4);
  if (!letter_.child_birth_date.empty())
    add({{"Date of birth: ", true}, {letter_.child_birth_date}}, body_font, 0);

  if (!letter_.salutation.empty()) add({{letter_.salutation}}, body_font, 18);

  for (const md::letter_section& s : letter_.sections) {
    block& h = add({{s.heading}}, heading_font, 16);
    h.color = accent;
    h.keep_with_next = true;
    bool first_in_section = true;
    for (const std::string& p : s.paragraphs) {
      add({{p}}, body_font, first_in_section ? 4 : 7);
      first_in_section = false;
    }
    for (const std::string& item : s.items) {
      block& b = add({{item}}, body_font, first_in_section ? 4 : 3, content_width - bullet_indent);
      b.x = margin_left + bullet_indent;
      b.bullet = true;
      first_in_section = false;
    }
  }

  // The signature: one group, kept on one page.
  const md::letter_signer& signer = letter_.signer;
  add({{"Sincerely,"}}, body_font, 20).group = 2;
  if (!signer.signed_at.empty()) {
    block& s =
        add({{"Electronically signed on " + printed_instant(signer.signed_at), false, true}}, body_font, 14);
    s.group = 2;
    s.color = accent;
  } else {
    block& s = add({{"Not yet signed", false, true}}, body_font, 14);
    s.group = 2;
    s.color = muted;
  }
  std::string name = signer.name;
  if (!signer.credentials.empty()) name += ", " + signer.credentials;
  add({{name, true}}, body_font, 4).group = 2;
  if (!signer.npi.empty()) add({{"NPI " + signer.npi}}, body_font, 0).group = 2;
  std::vector<std::string> signer_contact;
  if (!signer.phone.empty()) signer_contact.push_back(signer.phone);
  if (!signer.email.empty()) signer_contact.push_back(signer.email);
  std::string signer_contacts = join(signer_contact, "  ·  ");
  if (!signer_contacts.empty()) add({{signer_contacts}}, body_font, 0).group = 2;
  if (!head.practice_name.empty()) add({{head.practice_name}}, body_font, 0).group = 2;

  // The notices, in a box of their own.
  const double box_width = content_width - 2 * box_padding;
  auto notice = [&](const char* title, const std::string& text, double before) {
    if (text.empty()) return;
    block& t = add({{title, true}}, notice_font, before, box_width);
    t.x = margin_left + box_padding;
    t.group = 3;
    t.boxed = true;
    block& b = add({{text}}, notice_font, 1, box_width);
    b.x = margin_left + box_padding;
    b.group = 3;
    b.boxed = true;
  };
  notice("Notice to the recipient: redisclosure", letter_.redisclosure_notice, 22 + box_padding);
  notice("The right to revoke this authorization", letter_.revocation_notice,
         letter_.redisclosure_notice.empty() ? 22 + box_padding : 7);

  // The footer: the same on every page, so measured once; the body stops above it.
  footer_text_ = make_layout({{letter_.authorization_footer}}, small_font, content_width);
  footer_id_ = make_layout({{letter_.letter_id.empty() ? "" : "Letter " + letter_.letter_id}}, small_font,
                           content_width);
  bullet_ = make_layout({{"•"}}, body_font, bullet_indent);
  int w = 0, text_h = 0, id_h = 0;
  pango_layout_get_size(footer_text_.get(), &w, &text_h);
  pango_layout_get_size(footer_id_.get(), &w, &id_h);
  double footer_h = pango_units_to_double(text_h) + 3 + pango_units_to_double(id_h);
  body_bottom_ = page_height - margin_bottom - footer_h - footer_gap;
}

double letter_layout::line_height(const block& b, int index) {
  PangoLayoutLine* line = pango_layout_get_line_readonly(b.layout.get(), index);
  PangoRectangle logical;
  pango_layout_line_get_extents(line, nullptr, &logical);
  return pango_units_to_double(logical.height) +
         pango_units_to_double(pango_layout_get_spacing(b.layout.get()));
}

// The height the blocks of the group starting at `first` take, spacing included (the first's excepted).
double letter_layout::group_height(std::size_t first) const {
  double h = 0;
  int group = blocks_[first].group;
  for (std::size_t i = first; i < blocks_.size() && blocks_[i].group == group; ++i) {
    if (i != first) h += blocks_[i].space_before;
    int n = pango_layout_get_line_count(blocks_[i].layout.get());
    for (int l = 0; l < n; ++l) h += line_height(blocks_[i], l);
  }
  if (blocks_[first].boxed) h += box_padding;
  return h;
}

void letter_layout::place() {
  int page = 0;
  const double top_first = margin_top;
  const double top_next = margin_top + running_header_h;
  double y = top_first;
  auto page_top = [&] { return page == 0 ? top_first : top_next; };
  auto new_page = [&] {
    ++page;
    y = page_top();
  };
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    const block& b = blocks_[i];
    bool at_top = y <= page_top() + 0.01;
    bool group_start = b.group >= 0 && (i == 0 || blocks_[i - 1].group != b.group);
    if (group_start) {
      double h = b.space_before + group_height(i);
      double room = body_bottom_ - page_top();
      if (!at_top && y + h > body_bottom_ && h - b.space_before <= room) new_page();
    }
    if (b.keep_with_next && i + 1 < blocks_.size()) {
      // The heading, the next block's spacing and up to two of its lines.
      const block& next = blocks_[i + 1];
      double h = b.space_before;
      for (int l = 0; l < pango_layout_get_line_count(b.layout.get()); ++l) h += line_height(b, l);
      h += next.space_before;
      int n = std::min(2, pango_layout_get_line_count(next.layout.get()));
      for (int l = 0; l < n; ++l) h += line_height(next, l);
      if (!at_top && y + h > body_bottom_) new_page();
    }
    if (y > page_top() + 0.01) y += b.space_before;  // no spacing at a page's top
    PangoLayoutIter* iter = pango_layout_get_iter(b.layout.get());
    int index = 0;
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(iter, nullptr, &logical);
      double h = line_height(b, index);
      if (y + h > body_bottom_ && y > page_top() + 0.01) new_page();
      double baseline_in_line = pango_units_to_double(pango_layout_iter_get_baseline(iter) - logical.y);
      lines_.push_back({page, &b, index, y + baseline_in_line, y, y + h});
      y += h;
      ++index;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
    if (b.boxed && (i + 1 == blocks_.size() || !blocks_[i + 1].boxed)) y += box_padding;
    if (b.rule_after) {
      rules_.push_back({page, y + 6});
      y += 6;
    }
  }
  pages_ = page + 1;
}

void set_color(cairo_t* cr, rgb c) {
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void show_line(cairo_t* cr, PangoLayoutLine* line, double x, double baseline) {
  cairo_move_to(cr, x, baseline);
  pango_cairo_show_layout_line(cr, line);
}

void letter_layout::draw_watermark(cairo_t* cr) const {
  layout_ptr mark = make_layout({{"DRAFT - not approved"}}, watermark_font, 1000);
  int w = 0, h = 0;
  pango_layout_get_size(mark.get(), &w, &h);
  cairo_save(cr);
  cairo_translate(cr, page_width / 2, page_height / 2);
  cairo_rotate(cr, -0.9);  // about 52 degrees, corner to corner on US Letter
  cairo_set_source_rgb(cr, 0.86, 0.86, 0.86);
  cairo_move_to(cr, -pango_units_to_double(w) / 2, -pango_units_to_double(h) / 2);
  pango_cairo_show_layout(cr, mark.get());
  cairo_restore(cr);
}

void letter_layout::draw_running_header(cairo_t* cr) const {
  std::vector<run> runs{{letter_.child_name, true}};
  if (!letter_.child_birth_date.empty()) runs.push_back({"  ·  Date of birth " + letter_.child_birth_date});
  if (!letter_.date.empty()) runs.push_back({"  ·  " + letter_.date});
  layout_ptr header = make_layout(runs, small_font, content_width);
  set_color(cr, muted);
  cairo_move_to(cr, margin_left, margin_top);
  pango_cairo_show_layout(cr, header.get());
  int w = 0, h = 0;
  pango_layout_get_size(header.get(), &w, &h);
  double y = margin_top + pango_units_to_double(h) + 4;
  cairo_set_source_rgb(cr, box_line.r, box_line.g, box_line.b);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, margin_left, y);
  cairo_line_to(cr, page_width - margin_right, y);
  cairo_stroke(cr);
}

void letter_layout::draw_footer(cairo_t* cr, int page) const {
  int w = 0, text_h = 0;
  pango_layout_get_size(footer_text_.get(), &w, &text_h);
  int id_h = 0;
  pango_layout_get_size(footer_id_.get(), &w, &id_h);
  double top = page_height - margin_bottom - pango_units_to_double(text_h) - 3 - pango_units_to_double(id_h);
  cairo_set_source_rgb(cr, box_line.r, box_line.g, box_line.b);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, margin_left, top - 6);
  cairo_line_to(cr, page_width - margin_right, top - 6);
  cairo_stroke(cr);

  set_color(cr, muted);
  cairo_move_to(cr, margin_left, top);
  pango_cairo_show_layout(cr, footer_text_.get());
  double id_top = top + pango_units_to_double(text_h) + 3;
  cairo_move_to(cr, margin_left, id_top);
  pango_cairo_show_layout(cr, footer_id_.get());
  char number[64];
  std::snprintf(number, sizeof number, "Page %d of %d", page + 1, pages_);
  layout_ptr page_no = make_layout({{number}}, small_font, content_width, align::right);
  cairo_move_to(cr, margin_left, id_top);
  pango_cairo_show_layout(cr, page_no.get());
}

void letter_layout::draw(cairo_t* cr) const {
  std::size_t next = 0;
  for (int page = 0; page < pages_; ++page) {
    if (letter_.draft) draw_watermark(cr);
    if (page > 0) draw_running_header(cr);

    // The notice box's frame, around the boxed lines of this page.
    double box_top = page_height, box_bottom = 0;
    for (std::size_t i = next; i < lines_.size() && lines_[i].page == page; ++i) {
      if (!lines_[i].owner->boxed) continue;
      box_top = std::min(box_top, lines_[i].top);
      box_bottom = std::max(box_bottom, lines_[i].bottom);
    }
    if (box_bottom > box_top) {
      cairo_rectangle(cr, margin_left, box_top - box_padding, content_width,
                      box_bottom - box_top + 2 * box_padding);
      set_color(cr, box_fill);
      cairo_fill_preserve(cr);
      set_color(cr, box_line);
      cairo_set_line_width(cr, 0.75);
      cairo_stroke(cr);
    }
    for (const page_rule& r : rules_) {
      if (r.page != page) continue;
      set_color(cr, accent);
      cairo_set_line_width(cr, 1.2);
      cairo_move_to(cr, margin_left, r.y);
      cairo_line_to(cr, page_width - margin_right, r.y);
      cairo_stroke(cr);
    }

    for (; next < lines_.size() && lines_[next].page == page; ++next) {
      const placed_line& l = lines_[next];
      set_color(cr, l.owner->color);
      PangoLayoutLine* line = pango_layout_get_line_readonly(l.owner->layout.get(), l.line_index);
      show_line(cr, line, l.owner->x, l.baseline);
      if (l.owner->bullet && l.line_index == 0) {
        set_color(cr, accent);
        show_line(cr, pango_layout_get_line_readonly(bullet_.get(), 0), margin_left + 3, l.baseline);
      }
    }
    draw_footer(cr, page);
    cairo_show_page(cr);
  }
}

// Cairo's stream callback: appends to the std::string behind `closure`.
cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

// The creation date in the form cairo wants ("YYYY-MM-DDThh:mm:ss" + "Z" or an offset): the signature's
// instant when there is one, now otherwise.
std::string creation_date(const std::string& signed_at) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(signed_at.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6) {
    std::string zone = "Z";
    auto tz = signed_at.find_first_of("Z+-", 19);
    if (tz != std::string::npos && signed_at[tz] != 'Z') zone = signed_at.substr(tz, 6);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    return buf + zone;
  }
  GDateTime* now = g_date_time_new_now_utc();
  gchar* text = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
  std::string out(text);
  g_free(text);
  g_date_time_unref(now);
  return out;
}

using pdf_result = boost::system::result<std::string, std::string>;

pdf_result cairo_failure(cairo_status_t status) {
  return pdf_result(boost::system::in_place_error, std::string("cairo: ") + cairo_status_to_string(status));
}

}  // namespace

pdf_result render_pdf(const md::letter_content& letter) {
  std::string pdf;
  std::unique_ptr<cairo_surface_t, surface_destroy> surface(
      cairo_pdf_surface_create_for_stream(append_bytes, &pdf, page_width, page_height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return cairo_failure(cairo_surface_status(surface.get()));

  std::string title = valid_utf8(letter.subject.empty() ? "Letter for " + letter.child_name : letter.subject);
  std::string author = valid_utf8(letter.head.practice_name);
  std::string subject = valid_utf8("Letter " + letter.letter_id + " to " + letter.school_name);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_AUTHOR, author.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, subject.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Homebase");
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE,
                                 creation_date(letter.signer.signed_at).c_str());

  std::unique_ptr<cairo_t, cairo_destroy_t> cr(cairo_create(surface.get()));
  context_ptr context(pango_cairo_create_context(cr.get()));
  // Points, not pixels: pango's cairo default is 96 dpi, a PDF unit is 1/72 inch.
  pango_cairo_context_set_resolution(context.get(), 72.0);
  // Metrics that do not depend on a device's pixel grid, so the layout is the same for any viewer.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(context.get(), options);
  cairo_font_options_destroy(options);

  {
    letter_layout layout(context.get(), letter);
    layout.build();
    layout.place();
    layout.draw(cr.get());
  }
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) return cairo_failure(cairo_status(cr.get()));
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return cairo_failure(cairo_surface_status(surface.get()));
  surface.reset();
  return pdf_result(boost::system::in_place_value, std::move(pdf));
}

}  // namespace homebase::gateway::letters
