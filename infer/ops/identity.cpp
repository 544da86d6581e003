#include "identity.h"

namespace storefuse::infer {

void Identity::run(OpContext& ctx) const { ctx.set_output(0, ctx.input(0)); }

}  // namespace storefuse::infer
