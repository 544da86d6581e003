// A top-down view of a store zone, drawn with OpenCV: two shelf rows, a
// service desk (top right), a checkout with its queue lane (right) and the
// exit with its security gate (bottom left). The tracked person follows a
// script set by the behaviour's video cue; other shoppers wander. Store
// lighting, camera placement, shake and sensor noise are nuisances.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "storefuse/retailsim/media.h"
#include "storefuse/retailsim/rng.h"

namespace storefuse::retailsim {
namespace {

constexpr double kAisleY[2] = {30, 51};
const cv::Point2d kCheckoutHead(66, 70);  // the first place in the queue lane
const cv::Point2d kExit(16, 90);
const cv::Scalar kStaffVest(0, 220, 255);  // yellow

struct Person {
  std::vector<cv::Point2d> path;  // one position per frame
  cv::Scalar shirt;
  bool staff = false;
  bool cart = false;
  int items_shown = 0;   // dots in the cart
  int holds_from = -1;   // frame from which an item is in hand
};

cv::Scalar random_shirt(Rng& r) {
  return cv::Scalar(r.uniform(30, 200), r.uniform(30, 200), r.uniform(30, 200));
}

void draw_scene(cv::Mat& img, const StoreProfile& s) {
  img.setTo(cv::Scalar(s.floor_bgr[0], s.floor_bgr[1], s.floor_bgr[2]));
  cv::rectangle(img, {0, 0, kClipSize, kClipSize}, cv::Scalar(70, 70, 70), 2);
  for (int row = 0; row < 2; ++row) {
    int y = row == 0 ? 16 : 38;
    cv::rectangle(img, {6, y, 56, 7}, cv::Scalar(50, 65, 85), cv::FILLED);
    for (int x = 8; x < 60; x += 4) {  // products on the shelf
      cv::rectangle(img, {x, y + 2, 2, 3}, cv::Scalar(40 + 13 * (x % 11), 90 + 7 * (x % 13), 150), cv::FILLED);
    }
  }
  cv::rectangle(img, {70, 6, 22, 10}, cv::Scalar(90, 90, 120), cv::FILLED);   // service desk
  cv::rectangle(img, {72, 56, 8, 28}, cv::Scalar(100, 80, 60), cv::FILLED);   // checkout counter
  cv::rectangle(img, {73, 62, 6, 4}, cv::Scalar(30, 30, 30), cv::FILLED);     // register
  cv::rectangle(img, {6, 93, 22, 3}, cv::Scalar(60, 60, 60), cv::FILLED);     // exit mat
  cv::rectangle(img, {5, 84, 2, 8}, cv::Scalar(200, 200, 200), cv::FILLED);   // gate posts
  cv::rectangle(img, {27, 84, 2, 8}, cv::Scalar(200, 200, 200), cv::FILLED);
}

// The camera: scene -> image coordinates (rotation and shift of the mount,
// plus this frame's shake).
struct Camera {
  cv::Matx23d m;
  cv::Point2d shake;
  cv::Point at(cv::Point2d p) const {
    return {static_cast<int>(std::lround(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2) + shake.x)),
            static_cast<int>(std::lround(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2) + shake.y))};
  }
};

// People are drawn after the camera transform, straight into the frame; they
// are round, so only their centres need mapping.
void draw_person(cv::Mat& img, const Person& p, int t, const Camera& cam) {
  cv::Point c = cam.at(p.path[t]);
  if (p.cart) {
    cv::rectangle(img, {c.x + 5, c.y - 3, 7, 6}, cv::Scalar(120, 120, 120), 1);
    for (int i = 0; i < p.items_shown; ++i) {
      cv::rectangle(img, {c.x + 6 + (i % 3) * 2, c.y - 2 + (i / 3) * 2, 1, 1}, cv::Scalar(30, 140, 220), cv::FILLED);
    }
  }
  if (p.staff) cv::circle(img, c, 5, kStaffVest, 2);
  cv::circle(img, c, 4, p.shirt, cv::FILLED);
  cv::circle(img, c, 2, cv::Scalar(60, 90, 140), cv::FILLED);  // head
  if (p.holds_from >= 0 && t >= p.holds_from) {
    cv::rectangle(img, {c.x - 6, c.y - 1, 3, 3}, cv::Scalar(20, 160, 240), cv::FILLED);
  }
}

std::vector<cv::Point2d> still(cv::Point2d at, Rng& r, double jitter) {
  std::vector<cv::Point2d> path(kClipFrames);
  for (auto& p : path) p = at + cv::Point2d(jitter * r.normal(), jitter * r.normal());
  return path;
}

std::vector<cv::Point2d> walk_to(cv::Point2d from, cv::Point2d to, double speed, int start, Rng& r) {
  std::vector<cv::Point2d> path(kClipFrames, from);
  cv::Point2d p = from;
  for (int t = start; t < kClipFrames; ++t) {
    cv::Point2d d = to - p;
    double len = std::hypot(d.x, d.y);
    if (len > speed) p += d * (speed / len);
    else p = to;
    path[t] = p + cv::Point2d(0.3 * r.normal(), 0.3 * r.normal());
  }
  return path;
}

// The tracked person's script, by video cue (see world.h).
std::vector<Person> script(const Visit& v, Rng& r) {
  std::vector<Person> people(1);
  Person& me = people[0];
  me.shirt = random_shirt(r);
  me.cart = v.has_cart;
  me.items_shown = std::min(v.basket_items, 6);
  const double pace = 0.7 + 0.6 * v.arousal;  // aroused people move faster
  const double aisle = kAisleY[r.integer(2)];
  switch (video_cue(v.behavior)) {
    case VideoCue::AisleWander: {
      cv::Point2d p(r.uniform(12, 56), aisle);
      double vx = pace * r.uniform(0.3, 1.2) * (r.bernoulli(0.5) ? 1 : -1);
      for (int t = 0; t < kClipFrames; ++t) {
        if (r.bernoulli(0.3)) vx = -vx * r.uniform(0.5, 1.0);  // stops and turns to look
        p.x = std::clamp(p.x + vx, 10.0, 60.0);
        me.path.push_back(p + cv::Point2d(0, 0.5 * r.normal()));
      }
      break;
    }
    case VideoCue::PickAndGo: {
      cv::Point2d start(r.uniform(14, 56), aisle);
      int pick = static_cast<int>(r.integer(3, 7));
      cv::Point2d goal = r.bernoulli(0.5) ? kCheckoutHead : kExit;
      me.path = walk_to(start, goal, pace * r.uniform(1.5, 3.0), pick + 1, r);
      me.holds_from = pick;
      break;
    }
    case VideoCue::InQueue: {
      int ahead = std::min(v.queue_people, 5);
      cv::Point2d spot(std::max(kCheckoutHead.x - 9.0 * ahead, 14.0), kCheckoutHead.y);
      me.path = still(spot, r, 0.6);
      for (int k = 0; k < ahead; ++k) {
        Person other;
        other.shirt = random_shirt(r);
        other.cart = r.bernoulli(0.5);
        other.path = still({kCheckoutHead.x - 9.0 * k, kCheckoutHead.y}, r, 0.5);
        people.push_back(other);
      }
      break;
    }
    case VideoCue::WithStaff: {
      cv::Point2d at(r.uniform(20, 54), aisle);
      Person staff, customer;
      staff.staff = true;
      staff.shirt = random_shirt(r);
      staff.path = still(at, r, 1.0);
      customer.shirt = random_shirt(r);
      customer.path = still(at + cv::Point2d(8, r.uniform(-2, 2)), r, 1.0);
      // Whoever is tracked, the picture is a staff member next to a customer,
      // with no cart in view: a staff trolley would tell the two behaviours of
      // this cue apart, which only the other modalities may do.
      bool tracked_is_staff = v.behavior == Behavior::StaffActivity;
      me = tracked_is_staff ? staff : customer;
      people.push_back(tracked_is_staff ? customer : staff);
      break;
    }
    case VideoCue::AtServiceDesk: {
      me.path = still({81 + r.uniform(-4, 4), 24}, r, 0.5);
      me.holds_from = 0;
      Person clerk;
      clerk.staff = true;
      clerk.shirt = random_shirt(r);
      clerk.path = still({81, 4}, r, 0.4);
      people.push_back(clerk);
      break;
    }
    case VideoCue::FastTransit: {
      cv::Point2d from(r.uniform(40, 90), r.uniform(24, 34));
      cv::Point2d dir = kExit - from;
      dir *= 1.0 / std::hypot(dir.x, dir.y);
      double speed = pace * r.uniform(4.0, 6.0);
      for (int t = 0; t < kClipFrames; ++t) me.path.push_back(from + dir * (speed * t));
      break;
    }
  }
  return people;
}

void add_shoppers(const Visit& v, Rng& r, std::vector<Person>& people) {
  int n = static_cast<int>(r.poisson(3.0 * v.crowd));
  for (int i = 0; i < n; ++i) {
    Person p;
    p.shirt = random_shirt(r);
    p.cart = r.bernoulli(0.3);
    cv::Point2d at(r.uniform(10, 62), kAisleY[r.integer(2)]);
    cv::Point2d vel(r.uniform(-1.5, 1.5), 0.3 * r.normal());
    for (int t = 0; t < kClipFrames; ++t) p.path.push_back(at + vel * t);
    people.push_back(p);
  }
  // Other customers at the checkout, unless the tracked one is queueing there.
  if (video_cue(v.behavior) != VideoCue::InQueue) {
    for (int k = 0; k < std::min(v.queue_people, 3); ++k) {
      Person q;
      q.shirt = random_shirt(r);
      q.path = still({kCheckoutHead.x - 9.0 * k, kCheckoutHead.y}, r, 0.5);
      people.push_back(q);
    }
  }
}

}  // namespace

std::vector<cv::Mat> render_clip(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v) {
  Rng r(cfg.seed, static_cast<uint64_t>(v.index), Stream::Video);
  std::vector<Person> people = script(v, r);
  add_shoppers(v, r, people);

  // The static scene is drawn and put through the camera once per clip; a
  // one-pixel border lets each frame shake by whole pixels with a cheap crop.
  const double angle = store.camera_angle_deg[v.camera];
  const cv::Point2d shift(store.camera_shift_px[v.camera], -store.camera_shift_px[v.camera] * 0.5);
  Camera cam;
  cam.m = cv::getRotationMatrix2D({kClipSize / 2.0, kClipSize / 2.0}, angle, 1.0);
  cam.m(0, 2) += shift.x;
  cam.m(1, 2) += shift.y;
  cv::Mat scene(kClipSize, kClipSize, CV_8UC3), warped, padded;
  draw_scene(scene, store);
  cv::warpAffine(scene, warped, cv::Mat(cam.m), scene.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::copyMakeBorder(warped, padded, 1, 1, 1, 1, cv::BORDER_REPLICATE);

  const double shake_prob = std::min(1.0, 0.3 * cfg.noise.video);
  cv::RNG pixel_rng(r.next());  // OpenCV's generator fills the noise image fast and deterministically
  // Sensor noise is luminance noise, one value per pixel shared by the three
  // channels: a third of the random numbers, and the features see gray anyway.
  cv::Mat frame, noise(kClipSize, kClipSize, CV_32FC1);
  std::vector<cv::Mat> clip;
  clip.reserve(kClipFrames);
  for (int t = 0; t < kClipFrames; ++t) {
    cam.shake = {0, 0};
    if (r.bernoulli(shake_prob)) cam.shake = {static_cast<double>(r.integer(-1, 1)), static_cast<double>(r.integer(-1, 1))};
    padded(cv::Rect(1 - static_cast<int>(cam.shake.x), 1 - static_cast<int>(cam.shake.y), kClipSize, kClipSize)).copyTo(frame);
    // Back to front, so that the tracked person (index 0) is on top.
    for (size_t i = people.size(); i-- > 0;) draw_person(frame, people[i], t, cam);
    const float gain = static_cast<float>(store.light_gain * (1.0 + 0.03 * cfg.noise.video * r.normal()));  // flicker
    pixel_rng.fill(noise, cv::RNG::NORMAL, 0.0, store.pixel_noise);
    const float* n = noise.ptr<float>();
    uint8_t* px = frame.ptr<uint8_t>();  // continuous: frame was just allocated by copyTo
    for (int i = 0; i < kClipSize * kClipSize; ++i) {
      for (int c = 0; c < 3; ++c) {
        float v = px[3 * i + c] * gain + n[i];
        px[3 * i + c] = static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
      }
    }
    clip.push_back(frame.clone());
  }
  return clip;
}

}  // namespace storefuse::retailsim
