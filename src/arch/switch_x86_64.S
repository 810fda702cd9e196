/* Copyright 2026 The gort Authors.
 *
 * The context switch for x86-64 (System V). See switch_x86_64_layout.h for the saved frame.
 *
 * void gort_switch(void** save_sp, void* load_sp)
 *   Saves the callee-saved registers and the FP control words of the caller on its stack,
 *   stores the stack pointer in *save_sp, loads load_sp and resumes the context saved there.
 *   rax and rcx are scratch (caller-saved).
 *   Caller-saved registers need no saving: gort_switch is an ordinary call for the compiler.
 *
 * void gort_switch_fresh(void** save_sp, void* stack_top, void (*fn)(void*), void* arg)
 *   Like gort_switch, but instead of resuming a saved context it starts a new one: the stack
 *   pointer becomes stack_top (16-byte aligned) and gort_start_fresh calls fn(arg) there. Nothing
 *   is written to the new stack before it runs, so a goroutine's stack is first touched by the
 *   CPU that runs it. The new context inherits the caller's MXCSR and x87 control word.
 *
 * gort_start_fresh
 *   The bottom frame of such a context. Like gort_start, its CFI ends the stack for unwinders.
 *
 * gort_start
 *   First return target of a new context (see make_context in context.hpp): calls the entry
 *   function held in rbx with the argument held in r12. The entry never returns (a goroutine
 *   ends by switching away for good); if it did, ud2 traps. Its CFI marks the return address
 *   as undefined, so unwinders and backtraces stop here instead of walking off the stack.
 */
#include "switch_x86_64_layout.h"

/* Pushes the callee-saved registers and reserves the FP control word slot (the frame described
   in switch_x86_64_layout.h), without filling the slot. */
.macro PUSH_REGS
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
.endm

/* Pushes the callee-saved registers and the FP control words, and stores the stack pointer in
   *%rdi. */
.macro SAVE_CONTEXT
        PUSH_REGS
        stmxcsr GORT_SF_MXCSR(%rsp)
        fnstcw  GORT_SF_FPUCW(%rsp)
        movq    %rsp, (%rdi)
.endm

/* Pops a frame's callee-saved registers (past its FP control word slot) and returns into it. */
.macro POP_REGS_AND_RETURN
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
.endm

        .text
        .globl  gort_switch
        .type   gort_switch, @function
        .p2align 4
gort_switch:
        .cfi_startproc
        SAVE_CONTEXT
        movq    %rsi, %rsp
        /* Reloading MXCSR and the x87 control word costs more than the rest of the switch;
           they almost never differ between contexts, so load them only when they do. The
           caller's values were just stored at (%rdi)'s old frame: compare with those. */
        movq    (%rdi), %rax
        movl    GORT_SF_MXCSR(%rax), %ecx
        cmpl    GORT_SF_MXCSR(%rsp), %ecx
        jne     1f
2:      movzwl  GORT_SF_FPUCW(%rax), %ecx
        cmpw    GORT_SF_FPUCW(%rsp), %cx
        jne     3f
4:      POP_REGS_AND_RETURN
1:      ldmxcsr GORT_SF_MXCSR(%rsp)
        jmp     2b
3:      fldcw   GORT_SF_FPUCW(%rsp)
        jmp     4b
        .cfi_endproc
        .size   gort_switch, .-gort_switch

/* gort_switch_to_g0(void** save_sp, void* g0_sp): gort_switch for a goroutine handing the CPU to
   its M's scheduler context (g0). The goroutine's context is saved in full, FP control words
   included; g0's registers are restored but not its FP control words: the scheduler does not
   depend on them, so the goroutine's stay loaded (the M records them, see execute()). */
        .globl  gort_switch_to_g0
        .type   gort_switch_to_g0, @function
        .p2align 4
gort_switch_to_g0:
        .cfi_startproc
        SAVE_CONTEXT
        movq    %rsi, %rsp
        POP_REGS_AND_RETURN
        .cfi_endproc
        .size   gort_switch_to_g0, .-gort_switch_to_g0

/* gort_switch_from_g0(void** save_sp, void* load_sp): the way back. g0's callee-saved registers
   are saved (its FP control word slots are left unwritten: nothing reads them) and the
   goroutine's are restored, FP control words excepted: execute() has loaded the goroutine's
   own already if the hardware held others. Skipping stmxcsr (about 4 ns here) in both
   directions of a g0 switch is the point of these two entry points. */
        .globl  gort_switch_from_g0
        .type   gort_switch_from_g0, @function
        .p2align 4
gort_switch_from_g0:
        .cfi_startproc
        PUSH_REGS
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        POP_REGS_AND_RETURN
        .cfi_endproc
        .size   gort_switch_from_g0, .-gort_switch_from_g0

        .globl  gort_switch_fresh
        .type   gort_switch_fresh, @function
        .p2align 4
gort_switch_fresh:
        .cfi_startproc
        SAVE_CONTEXT
        movq    %rsi, %rsp
        movq    %rcx, %rdi
        jmp     gort_start_fresh
        .cfi_endproc
        .size   gort_switch_fresh, .-gort_switch_fresh

/* gort_switch_fresh_fp(void** save_sp, void* stack_top, void (*fn)(void*), void* arg,
                        const fp_control* want): gort_switch_fresh for a goroutine starting
   another one directly (no g0 in between): the caller's context is saved in full, then the FP
   control words become *want (the thread's initial ones, which every goroutine starts with)
   where they differ from the caller's just saved. fp_control is {uint32 mxcsr; uint16 fpucw}. */
        .globl  gort_switch_fresh_fp
        .type   gort_switch_fresh_fp, @function
        .p2align 4
gort_switch_fresh_fp:
        .cfi_startproc
        SAVE_CONTEXT
        movl    (%r8), %eax
        cmpl    GORT_SF_MXCSR(%rsp), %eax
        je      1f
        ldmxcsr (%r8)
1:      movzwl  4(%r8), %eax
        cmpw    GORT_SF_FPUCW(%rsp), %ax
        je      2f
        fldcw   4(%r8)
2:      movq    %rsi, %rsp
        movq    %rcx, %rdi
        jmp     gort_start_fresh
        .cfi_endproc
        .size   gort_switch_fresh_fp, .-gort_switch_fresh_fp

        .globl  gort_start_fresh
        .type   gort_start_fresh, @function
        .p2align 4
gort_start_fresh:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        callq   *%rdx
        ud2
        .cfi_endproc
        .size   gort_start_fresh, .-gort_start_fresh

        .globl  gort_start
        .type   gort_start, @function
        .p2align 4
gort_start:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %r12, %rdi
        callq   *%rbx
        ud2
        .cfi_endproc
        .size   gort_start, .-gort_start

        .section .note.GNU-stack,"",@progbits
