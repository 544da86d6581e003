#include "svg.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "format.h"

namespace storefuse::abtest::svg {

namespace {

const char* kColorA = "#4c72b0";
const char* kColorB = "#dd8452";

std::string text(double x, double y, const std::string& s, const std::string& attrs = "") {
  std::ostringstream o;
  o << "<text x=\"" << format::f(x, 1) << "\" y=\"" << format::f(y, 1) << "\" " << attrs << ">"
    << format::html(s) << "</text>";
  return o.str();
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  std::ostringstream o;
  o << "<line x1=\"" << format::f(x1, 1) << "\" y1=\"" << format::f(y1, 1) << "\" x2=\"" << format::f(x2, 1)
    << "\" y2=\"" << format::f(y2, 1) << "\" " << attrs << "/>";
  return o.str();
}

std::string open_svg(double w, double h, const std::string& title) {
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << w << " " << h << "\" width=\"" << w
    << "\" role=\"img\" aria-label=\"" << format::html(title) << "\"><title>" << format::html(title) << "</title>";
  return o.str();
}

std::string polyline(const std::vector<std::pair<double, double>>& pts, const std::string& color) {
  std::ostringstream o;
  o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
  for (const auto& [x, y] : pts) o << format::f(x, 1) << "," << format::f(y, 1) << " ";
  o << "\"/>";
  return o.str();
}

}  // namespace

std::string confusion_matrix(const std::vector<std::vector<int64_t>>& m,
                             const std::vector<std::string>& classes, const std::string& title) {
  const double cell = 30, left = 110, top = 40;
  const size_t c = classes.size();
  const double w = left + cell * double(c) + 10, h = top + cell * double(c) + 110;
  std::ostringstream o;
  o << open_svg(w, h, title) << text(left, 18, title, "font-weight=\"bold\"")
    << text(left, 34, "predicted →", "font-size=\"11\"");
  for (size_t t = 0; t < c && t < m.size(); ++t) {
    int64_t row = 0;
    for (auto v : m[t]) row += v;
    o << text(left - 6, top + cell * (double(t) + 0.65), classes[t], "text-anchor=\"end\" font-size=\"11\"");
    for (size_t p = 0; p < c && p < m[t].size(); ++p) {
      const double share = row ? double(m[t][p]) / double(row) : 0.0;
      const int shade = int(255 - 200 * share);
      o << "<rect x=\"" << left + cell * double(p) << "\" y=\"" << top + cell * double(t) << "\" width=\"" << cell
        << "\" height=\"" << cell << "\" fill=\"rgb(" << shade << "," << shade << ",255)\" stroke=\"#fff\"><title>true "
        << format::html(classes[t]) << ", predicted " << format::html(classes[p]) << ": " << m[t][p]
        << "</title></rect>"
        << text(left + cell * (double(p) + 0.5), top + cell * (double(t) + 0.65), std::to_string(m[t][p]),
                std::string("text-anchor=\"middle\" font-size=\"9\" fill=\"") + (share > 0.5 ? "#fff" : "#222") + "\"");
    }
  }
  for (size_t p = 0; p < c; ++p) {
    const double x = left + cell * (double(p) + 0.6), y = top + cell * double(c) + 6;
    o << "<text transform=\"translate(" << format::f(x, 1) << "," << format::f(y, 1)
      << ") rotate(60)\" font-size=\"11\">" << format::html(classes[p]) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

std::string forest_plot(const std::vector<ForestRow>& rows, const std::string& title) {
  const double label_w = 190, plot_w = 360, value_w = 250, row_h = 28, top = 34;
  const double w = label_w + plot_w + value_w, h = top + row_h * double(rows.size()) + 24;
  const double mid = label_w + plot_w / 2;
  std::ostringstream o;
  o << open_svg(w, h, title) << text(8, 18, title, "font-weight=\"bold\"")
    << line(mid, top - 6, mid, h - 18, "stroke=\"#888\" stroke-dasharray=\"3,3\"")
    << text(mid, h - 4, "0 (no difference); each row on its own scale", "text-anchor=\"middle\" font-size=\"10\" fill=\"#555\"");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = top + row_h * (double(i) + 0.5);
    double span = std::max({std::abs(r.lo), std::abs(r.hi), std::abs(r.estimate)});
    if (!(span > 0) || !std::isfinite(span)) span = 1;
    auto x = [&](double v) { return mid + (std::isfinite(v) ? v : 0.0) / (span * 1.15) * (plot_w / 2); };
    const std::string color = r.verdict == "better" ? "#2a9d4b" : r.verdict == "worse" ? "#c0392b" : "#555";
    o << text(label_w - 8, y + 4, r.label, "text-anchor=\"end\" font-size=\"12\"");
    if (std::isfinite(r.lo) && std::isfinite(r.hi)) {
      o << line(x(r.lo), y, x(r.hi), y, "stroke=\"" + color + "\" stroke-width=\"2\"")
        << line(x(r.lo), y - 5, x(r.lo), y + 5, "stroke=\"" + color + "\"")
        << line(x(r.hi), y - 5, x(r.hi), y + 5, "stroke=\"" + color + "\"");
    }
    o << "<circle cx=\"" << format::f(x(r.estimate), 1) << "\" cy=\"" << format::f(y, 1) << "\" r=\"4\" fill=\""
      << color << "\"/>" << text(label_w + plot_w + 10, y + 4, r.value_text, "font-size=\"11\"");
  }
  o << "</svg>";
  return o.str();
}

std::string reliability_diagram(const std::vector<Bin>& bins, const std::string& title) {
  const double size = 220, left = 40, top = 30;
  std::ostringstream o;
  o << open_svg(left + size + 20, top + size + 40, title) << text(left, 18, title, "font-weight=\"bold\"")
    << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << size << "\" height=\"" << size
    << "\" fill=\"none\" stroke=\"#888\"/>"
    << line(left, top + size, left + size, top, "stroke=\"#888\" stroke-dasharray=\"4,3\"");
  for (const auto& b : bins) {
    if (b.count == 0) continue;
    const double x = left + b.lo * size, bw = (b.hi - b.lo) * size, bh = b.accuracy * size;
    o << "<rect x=\"" << format::f(x, 1) << "\" y=\"" << format::f(top + size - bh, 1) << "\" width=\""
      << format::f(bw, 1) << "\" height=\"" << format::f(bh, 1)
      << "\" fill=\"#4c72b0\" fill-opacity=\"0.75\" stroke=\"#fff\"><title>confidence " << format::f(b.lo, 2) << "–"
      << format::f(b.hi, 2) << ": accuracy " << format::f(b.accuracy, 3) << ", mean confidence "
      << format::f(b.confidence, 3) << ", n = " << b.count << "</title></rect>";
  }
  o << text(left + size / 2, top + size + 16, "confidence", "text-anchor=\"middle\" font-size=\"11\"")
    << text(left - 6, top + 10, "1", "text-anchor=\"end\" font-size=\"10\"")
    << text(left - 6, top + size, "0", "text-anchor=\"end\" font-size=\"10\"")
    << text(left + size / 2, top + size + 32, "bars: accuracy per bin; dashed: perfect calibration",
            "text-anchor=\"middle\" font-size=\"10\" fill=\"#555\"")
    << "</svg>";
  return o.str();
}

std::string cdf_chart(const std::vector<double>& qa, const std::vector<double>& qb,
                      const std::string& name_a, const std::string& name_b, const std::string& x_label) {
  const double w = 420, h = 240, left = 40, top = 30, pw = 360, ph = 170;
  double lo = std::min(qa.front(), qb.front()), hi = std::max(qa.back(), qb.back());
  if (!(hi > lo)) hi = lo + 1;
  auto curve = [&](const std::vector<double>& q) {
    std::vector<std::pair<double, double>> pts;
    for (size_t i = 0; i < q.size(); ++i) {
      pts.push_back({left + (q[i] - lo) / (hi - lo) * pw, top + ph - double(i) / double(q.size() - 1) * ph});
    }
    return pts;
  };
  std::ostringstream o;
  o << open_svg(w, h, "latency CDF") << text(left, 18, "Latency CDF", "font-weight=\"bold\"")
    << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#888\"/>" << polyline(curve(qa), kColorA) << polyline(curve(qb), kColorB)
    << text(left, top + ph + 16, format::g(lo), "font-size=\"10\"")
    << text(left + pw, top + ph + 16, format::g(hi), "text-anchor=\"end\" font-size=\"10\"")
    << text(left + pw / 2, top + ph + 16, x_label, "text-anchor=\"middle\" font-size=\"11\"")
    << text(left + 8, top + 16, name_a, std::string("fill=\"") + kColorA + "\" font-size=\"12\"")
    << text(left + 8, top + 32, name_b, std::string("fill=\"") + kColorB + "\" font-size=\"12\"") << "</svg>";
  return o.str();
}

std::string p_value_path(const std::vector<double>& n, const std::vector<double>& p, double alpha) {
  const double w = 460, h = 250, left = 50, top = 30, pw = 390, ph = 170, floor_log = -4;
  const double n_max = n.empty() ? 1 : std::max(1.0, n.back());
  auto y_of = [&](double v) {
    const double l = std::clamp(std::log10(std::max(v, 1e-300)), floor_log, 0.0);
    return top + (-l / -floor_log) * ph;
  };
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 0; i < n.size(); ++i) pts.push_back({left + n[i] / n_max * pw, y_of(p[i])});
  std::ostringstream o;
  o << open_svg(w, h, "always-valid p-value") << text(left, 18, "Always-valid p-value (mSPRT) at each look", "font-weight=\"bold\"")
    << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#888\"/>"
    << line(left, y_of(alpha), left + pw, y_of(alpha), "stroke=\"#c0392b\" stroke-dasharray=\"4,3\"")
    << text(left + pw - 4, y_of(alpha) - 4, "alpha " + format::g(alpha), "text-anchor=\"end\" font-size=\"10\" fill=\"#c0392b\"")
    << polyline(pts, kColorA);
  for (int e = 0; e >= int(floor_log); --e) {
    o << text(left - 6, y_of(std::pow(10.0, e)) + 4, "1e" + std::to_string(e), "text-anchor=\"end\" font-size=\"10\"");
  }
  o << text(left + pw / 2, top + ph + 18, "customers (0 – " + format::g(n_max, 8) + ")", "text-anchor=\"middle\" font-size=\"11\"")
    << "</svg>";
  return o.str();
}

}  // namespace storefuse::abtest::svg
