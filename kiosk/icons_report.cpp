// Pictures for "report a problem": one per category, so a villager who does
// not read picks by what the picture shows, and one per step. Each is drawn
// from a few primitives in a square of side `s` around `c`, in `color`, with
// `detail` (the background) for cut-outs.

#include <cmath>

#include "kiosk/widgets.h"

namespace kiosk {
namespace {

constexpr float kPi = 3.14159265f;

ImVec2 At(ImVec2 c, float s, float x, float y) { return ImVec2(c.x + s * x, c.y + s * y); }

void Road(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 road[] = {At(c, s, -0.12f, -0.45f), At(c, s, 0.12f, -0.45f), At(c, s, 0.45f, 0.45f),
                         At(c, s, -0.45f, 0.45f)};
  d->AddConvexPolyFilled(road, 4, color);
  for (float y : {-0.32f, -0.08f, 0.18f}) {
    d->AddRectFilled(At(c, s, -0.025f - y * -0.02f, y), At(c, s, 0.025f, y + 0.14f), detail);
  }
}

void Water(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddCircleFilled(At(c, s, 0, 0.14f), s * 0.3f, color, 40);
  d->AddTriangleFilled(At(c, s, 0, -0.46f), At(c, s, -0.27f, 0.02f), At(c, s, 0.27f, 0.02f), color);
  d->AddCircleFilled(At(c, s, -0.1f, 0.18f), s * 0.07f, detail);
}

void Electricity(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  const ImVec2 top[] = {At(c, s, 0.12f, -0.48f), At(c, s, -0.28f, 0.06f), At(c, s, 0.02f, 0.06f)};
  const ImVec2 bottom[] = {At(c, s, -0.02f, -0.06f), At(c, s, 0.28f, -0.06f), At(c, s, -0.12f, 0.48f)};
  d->AddConvexPolyFilled(top, 3, color);
  d->AddConvexPolyFilled(bottom, 3, color);
}

// A house with a crack through its wall.
void Housing(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddTriangleFilled(At(c, s, 0, -0.46f), At(c, s, 0.48f, -0.04f), At(c, s, -0.48f, -0.04f), color);
  d->AddRectFilled(At(c, s, -0.36f, -0.06f), At(c, s, 0.36f, 0.44f), color);
  const ImVec2 crack[] = {At(c, s, 0.06f, -0.04f), At(c, s, -0.06f, 0.1f), At(c, s, 0.08f, 0.22f),
                          At(c, s, -0.04f, 0.42f)};
  d->AddPolyline(crack, 4, detail, 0, s * 0.05f);
}

// A rubbish bin.
void Environment(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(At(c, s, -0.4f, -0.36f), At(c, s, 0.4f, -0.26f), color, s * 0.03f);
  d->AddRectFilled(At(c, s, -0.1f, -0.46f), At(c, s, 0.1f, -0.34f), color, s * 0.03f);
  const ImVec2 bin[] = {At(c, s, -0.32f, -0.22f), At(c, s, 0.32f, -0.22f), At(c, s, 0.25f, 0.46f),
                        At(c, s, -0.25f, 0.46f)};
  d->AddConvexPolyFilled(bin, 4, color);
  for (float x : {-0.12f, 0.0f, 0.12f}) d->AddLine(At(c, s, x, -0.12f), At(c, s, x, 0.36f), detail, s * 0.04f);
}

// Hills and grass: land and pasture.
void Land(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddTriangleFilled(At(c, s, -0.18f, -0.34f), At(c, s, 0.3f, 0.3f), At(c, s, -0.66f, 0.3f), color);
  d->AddTriangleFilled(At(c, s, 0.22f, -0.14f), At(c, s, 0.55f, 0.3f), At(c, s, -0.1f, 0.3f), color);
  d->AddRectFilled(At(c, s, -0.5f, 0.3f), At(c, s, 0.5f, 0.42f), color);
  for (float x : {-0.3f, 0.0f, 0.3f}) {
    d->AddLine(At(c, s, x, 0.36f), At(c, s, x - 0.05f, 0.22f), detail, s * 0.03f);
    d->AddLine(At(c, s, x, 0.36f), At(c, s, x + 0.05f, 0.22f), detail, s * 0.03f);
  }
}

// A coin with a yuan sign.
void Allowance(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddCircleFilled(c, s * 0.44f, color, 48);
  const float w = s * 0.05f;
  d->AddLine(At(c, s, -0.16f, -0.24f), At(c, s, 0, -0.02f), detail, w);
  d->AddLine(At(c, s, 0.16f, -0.24f), At(c, s, 0, -0.02f), detail, w);
  d->AddLine(At(c, s, 0, -0.02f), At(c, s, 0, 0.26f), detail, w);
  d->AddLine(At(c, s, -0.14f, 0.04f), At(c, s, 0.14f, 0.04f), detail, w);
  d->AddLine(At(c, s, -0.14f, 0.14f), At(c, s, 0.14f, 0.14f), detail, w);
}

// A shield.
void PublicOrder(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 shield[] = {At(c, s, 0, -0.46f), At(c, s, 0.38f, -0.32f), At(c, s, 0.34f, 0.1f),
                           At(c, s, 0, 0.46f),  At(c, s, -0.34f, 0.1f), At(c, s, -0.38f, -0.32f)};
  d->AddConvexPolyFilled(shield, 6, color);
  const ImVec2 star[] = {At(c, s, 0, -0.2f), At(c, s, 0.06f, -0.04f), At(c, s, 0.2f, -0.04f),
                         At(c, s, 0.08f, 0.06f), At(c, s, 0.13f, 0.22f), At(c, s, 0, 0.12f),
                         At(c, s, -0.13f, 0.22f), At(c, s, -0.08f, 0.06f), At(c, s, -0.2f, -0.04f),
                         At(c, s, -0.06f, -0.04f)};
  d->AddPolyline(star, 10, detail, ImDrawFlags_Closed, s * 0.04f);
}

// A light bulb: an idea.
void Suggestion(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddCircleFilled(At(c, s, 0, -0.1f), s * 0.3f, color, 40);
  d->AddRectFilled(At(c, s, -0.14f, 0.12f), At(c, s, 0.14f, 0.34f), color);
  d->AddRectFilled(At(c, s, -0.1f, 0.36f), At(c, s, 0.1f, 0.46f), color, s * 0.03f);
  d->AddLine(At(c, s, -0.14f, 0.22f), At(c, s, 0.14f, 0.22f), detail, s * 0.03f);
  d->AddLine(At(c, s, -0.06f, -0.04f), At(c, s, 0, 0.12f), detail, s * 0.03f);
  d->AddLine(At(c, s, 0.06f, -0.04f), At(c, s, 0, 0.12f), detail, s * 0.03f);
}

void Other(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  for (float x : {-0.3f, 0.0f, 0.3f}) d->AddCircleFilled(At(c, s, x, 0), s * 0.11f, color, 24);
}

void Microphone(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddRectFilled(At(c, s, -0.14f, -0.46f), At(c, s, 0.14f, 0.12f), color, s * 0.14f);
  d->PathArcTo(At(c, s, 0, -0.02f), s * 0.26f, 0, kPi, 24);
  d->PathStroke(color, 0, s * 0.06f);
  d->AddLine(At(c, s, 0, 0.24f), At(c, s, 0, 0.4f), color, s * 0.06f);
  d->AddLine(At(c, s, -0.16f, 0.42f), At(c, s, 0.16f, 0.42f), color, s * 0.06f);
}

void Camera(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(At(c, s, -0.46f, -0.26f), At(c, s, 0.46f, 0.36f), color, s * 0.06f);
  d->AddRectFilled(At(c, s, -0.16f, -0.38f), At(c, s, 0.16f, -0.22f), color, s * 0.03f);
  d->AddCircleFilled(At(c, s, 0, 0.05f), s * 0.2f, detail, 32);
  d->AddCircleFilled(At(c, s, 0, 0.05f), s * 0.12f, color, 32);
}

void Keyboard(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(At(c, s, -0.48f, -0.3f), At(c, s, 0.48f, 0.3f), color, s * 0.06f);
  for (int row = 0; row < 2; ++row) {
    for (int col = 0; col < 5; ++col) {
      const float x = -0.38f + col * 0.16f, y = -0.2f + row * 0.16f;
      d->AddRectFilled(At(c, s, x, y), At(c, s, x + 0.1f, y + 0.1f), detail, s * 0.02f);
    }
  }
  d->AddRectFilled(At(c, s, -0.24f, 0.12f), At(c, s, 0.24f, 0.2f), detail, s * 0.02f);
}

void Place(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddCircleFilled(At(c, s, 0, -0.14f), s * 0.3f, color, 40);
  d->AddTriangleFilled(At(c, s, -0.26f, 0.0f), At(c, s, 0.26f, 0.0f), At(c, s, 0, 0.48f), color);
  d->AddCircleFilled(At(c, s, 0, -0.14f), s * 0.12f, detail, 24);
}

void Person(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddCircleFilled(At(c, s, 0, -0.22f), s * 0.2f, color, 32);
  d->PathArcTo(At(c, s, 0, 0.46f), s * 0.4f, kPi, 2 * kPi, 32);
  d->PathFillConvex(color);
}

// A person drawn only in outline, with a question mark: nobody knows who.
void Anonymous(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddCircle(At(c, s, 0, -0.22f), s * 0.2f, color, 32, s * 0.05f);
  d->PathArcTo(At(c, s, 0, 0.46f), s * 0.4f, kPi, 2 * kPi, 32);
  d->PathStroke(color, ImDrawFlags_Closed, s * 0.05f);
  d->PathArcTo(At(c, s, 0, -0.26f), s * 0.07f, kPi, 2.3f * kPi, 12);
  d->PathStroke(color, 0, s * 0.04f);
  d->AddCircleFilled(At(c, s, 0, -0.08f), s * 0.025f, color);
}

void Stop(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddRectFilled(At(c, s, -0.3f, -0.3f), At(c, s, 0.3f, 0.3f), color, s * 0.05f);
}

void Listen(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddRectFilled(At(c, s, -0.42f, -0.14f), At(c, s, -0.24f, 0.14f), color);
  d->AddTriangleFilled(At(c, s, -0.3f, 0), At(c, s, -0.02f, -0.36f), At(c, s, -0.02f, 0.36f), color);
  for (float r : {0.2f, 0.34f}) {
    d->PathArcTo(At(c, s, 0, 0), s * r, -0.8f, 0.8f, 16);
    d->PathStroke(color, 0, s * 0.06f);
  }
}

void Next(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32) {
  d->AddTriangleFilled(At(c, s, 0.46f, 0), At(c, s, 0.08f, -0.34f), At(c, s, 0.08f, 0.34f), color);
  d->AddRectFilled(At(c, s, -0.44f, -0.12f), At(c, s, 0.1f, 0.12f), color);
}

void Trash(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(At(c, s, -0.36f, -0.36f), At(c, s, 0.36f, -0.26f), color);
  d->AddRectFilled(At(c, s, -0.1f, -0.46f), At(c, s, 0.1f, -0.36f), color);
  d->AddRectFilled(At(c, s, -0.28f, -0.22f), At(c, s, 0.28f, 0.44f), color, s * 0.04f);
  for (float x : {-0.12f, 0.12f}) d->AddLine(At(c, s, x, -0.12f), At(c, s, x, 0.34f), detail, s * 0.04f);
}

}  // namespace

void DrawReportIcon(ImDrawList* d, Icon icon, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  switch (icon) {
    case Icon::kRoad: Road(d, c, s, color, detail); break;
    case Icon::kWater: Water(d, c, s, color, detail); break;
    case Icon::kElectricity: Electricity(d, c, s, color, detail); break;
    case Icon::kHousing: Housing(d, c, s, color, detail); break;
    case Icon::kEnvironment: Environment(d, c, s, color, detail); break;
    case Icon::kLand: Land(d, c, s, color, detail); break;
    case Icon::kAllowance: Allowance(d, c, s, color, detail); break;
    case Icon::kPublicOrder: PublicOrder(d, c, s, color, detail); break;
    case Icon::kSuggestion: Suggestion(d, c, s, color, detail); break;
    case Icon::kOther: Other(d, c, s, color, detail); break;
    case Icon::kMicrophone: Microphone(d, c, s, color, detail); break;
    case Icon::kStop: Stop(d, c, s, color, detail); break;
    case Icon::kCamera: Camera(d, c, s, color, detail); break;
    case Icon::kKeyboard: Keyboard(d, c, s, color, detail); break;
    case Icon::kPlace: Place(d, c, s, color, detail); break;
    case Icon::kPerson: Person(d, c, s, color, detail); break;
    case Icon::kAnonymous: Anonymous(d, c, s, color, detail); break;
    case Icon::kListen: Listen(d, c, s, color, detail); break;
    case Icon::kNext: Next(d, c, s, color, detail); break;
    case Icon::kTrash: Trash(d, c, s, color, detail); break;
    default: break;
  }
}

void DrawFace(ImDrawList* d, ImVec2 c, float r, int faces, ImU32 color, ImU32 detail) {
  d->AddCircleFilled(c, r, color, 48);
  d->AddCircleFilled(ImVec2(c.x - r * 0.35f, c.y - r * 0.25f), r * 0.11f, detail, 16);
  d->AddCircleFilled(ImVec2(c.x + r * 0.35f, c.y - r * 0.25f), r * 0.11f, detail, 16);
  // The mouth bends from a deep frown (1) to a wide smile (5).
  const float bend = (faces - 3) * 0.14f;
  const ImVec2 left(c.x - r * 0.42f, c.y + r * 0.32f), right(c.x + r * 0.42f, c.y + r * 0.32f);
  d->PathLineTo(ImVec2(left.x, left.y - bend * r * 0.5f));
  d->PathBezierQuadraticCurveTo(ImVec2(c.x, c.y + r * 0.32f + bend * r * 1.4f),
                                ImVec2(right.x, right.y - bend * r * 0.5f), 16);
  d->PathStroke(detail, 0, r * 0.1f);
}

}  // namespace kiosk
