/* Copyright 2026 The gort Authors.
 *
 * Register layout of a suspended context on x86-64 (System V ABI). Shared by the assembly in
 * switch_x86_64.S and by the C++ side (src/arch/context.hpp), which checks every offset with
 * static_assert against struct switch_frame. Plain #defines: this file is also read by the
 * assembler.
 *
 * A suspended context is its stack pointer alone; the stack holds, from that pointer upwards:
 *   +0   MXCSR (4 bytes)          SSE control/status: rounding mode and exception masks are
 *   +4   x87 control word (2)     callee-saved under the ABI, so a goroutine keeps its own
 *   +8   r15
 *   +16  r14
 *   +24  r13
 *   +32  r12
 *   +40  rbx
 *   +48  rbp
 *   +56  return address (where gort_switch returns into the resumed context)
 */
#ifndef GORT_ARCH_SWITCH_X86_64_LAYOUT_H_
#define GORT_ARCH_SWITCH_X86_64_LAYOUT_H_

#define GORT_SF_MXCSR 0
#define GORT_SF_FPUCW 4
#define GORT_SF_R15 8
#define GORT_SF_R14 16
#define GORT_SF_R13 24
#define GORT_SF_R12 32
#define GORT_SF_RBX 40
#define GORT_SF_RBP 48
#define GORT_SF_RET 56
#define GORT_SF_SIZE 64

#endif /* GORT_ARCH_SWITCH_X86_64_LAYOUT_H_ */
