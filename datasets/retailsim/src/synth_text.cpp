// The visit's lines in the POS and interaction logs. The behaviour decides
// which record exists (world.h, text cue); the store decides the catalogue
// and the prices; unrelated lines (loyalty app, wifi) and the odd lost record
// keep the text from being a perfect label.
#include <cmath>
#include <cstdio>

#include "storefuse/retailsim/media.h"
#include "storefuse/retailsim/rng.h"

namespace storefuse::retailsim {
namespace {

const char* const kCatalogue[] = {
    "oat milk", "sourdough bread", "usb cable", "running shoes", "wool scarf", "coffee beans",
    "phone case", "olive oil", "desk lamp", "yoga mat", "green tea", "headphones",
    "dish soap", "rain jacket", "chocolate bar", "water bottle", "notebook", "sunscreen",
    "toothpaste", "batteries", "kids sneakers", "frying pan", "jeans", "tennis balls"};
constexpr int kCatalogueSize = sizeof(kCatalogue) / sizeof(kCatalogue[0]);
const char* const kTenders[] = {"card", "cash", "mobile"};
const char* const kReturnReasons[] = {"damaged", "wrong size", "changed mind", "faulty"};
const char* const kAssistTopics[] = {"size", "price check", "stock", "location", "product advice"};
const char* const kTaskKinds[] = {"restock", "facing", "price labels", "inventory count"};

// Each store stocks 16 of the 24 products, so item names drift between stores.
const char* item(const StoreProfile& s, Rng& r) {
  return kCatalogue[(s.id * 7 + r.integer(16)) % kCatalogueSize];
}

std::string money(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string synth_text(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v) {
  Rng r(cfg.seed, static_cast<uint64_t>(v.index), Stream::Text);
  const std::string reg = std::to_string(1 + r.integer(4));
  const std::string aisle = std::to_string(1 + r.integer(8));
  std::string text;
  auto line = [&](const std::string& l) { text += (text.empty() ? "" : "\n") + l; };
  const int items = std::max(v.basket_items, 1);
  switch (text_cue(v.behavior)) {
    case TextCue::None:
      break;
    case TextCue::Sale:
      line("SALE reg=" + reg + " items=" + std::to_string(items) + " total=" + money(v.basket_value) +
           " tender=" + kTenders[r.integer(3)]);
      for (int i = 0; i < std::min(items, 3); ++i) line(std::string("ITEM ") + item(store, r) + " qty=1");
      break;
    case TextCue::Return:
      line(std::string("RETURN reg=") + reg + " item " + item(store, r) + " refund=" +
           money(v.basket_value / items) + " reason " + kReturnReasons[r.integer(4)]);
      break;
    case TextCue::AssistRequest:
      line("ASSIST request aisle " + aisle + " topic " + kAssistTopics[r.integer(5)] + " staff " +
           std::to_string(100 + r.integer(40)));
      break;
    case TextCue::StaffTask:
      line(std::string("TASK ") + kTaskKinds[r.integer(4)] + " aisle " + aisle + " cases " +
           std::to_string(items) + " staff " + std::to_string(100 + r.integer(40)));
      break;
    case TextCue::VoidedSale:
      line("VOID reg=" + reg + " items=" + std::to_string(items) + " total=" + money(v.basket_value) +
           " reason customer left");
      break;
  }
  // A record lost by the POS system: the text is there but says nothing.
  if (r.bernoulli(0.01 * cfg.noise.text)) text.clear();
  if (r.bernoulli(0.15 * cfg.noise.text)) line("LOYALTY app open store " + std::to_string(store.id));
  if (r.bernoulli(0.08 * cfg.noise.text)) line("WIFI guest login");
  return text;
}

}  // namespace storefuse::retailsim
