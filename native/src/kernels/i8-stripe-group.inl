// Four listed columns of the fused-i8 stripe kernels (stripe-layout.h) and their activations,
// packed as one int32 and broadcast as the dot product's signed operand. Written once for
// every ISA's kernel, included after it defines
//   StripeVector                            its vector type
//   StripeVector broadcastStripeX(uint32_t) the four activations in every int32 lane

struct StripeGroup {
  const uint8_t* stripe[4];
  StripeVector x;
};

inline StripeGroup stripeGroup(const uint8_t* stripes, size_t bytes, const int8_t* x, const uint32_t* columns) {
  StripeGroup group;
  uint32_t packed = 0;
  for (size_t j = 0; j < 4; ++j) {
    group.stripe[j] = stripes + columns[j] * bytes;
    packed |= static_cast<uint32_t>(static_cast<uint8_t>(x[j])) << (8 * j);
  }
  group.x = broadcastStripeX(packed);
  return group;
}
