#include "textflag.h"

// func dotLanesAVX2(out *lane, c *float64, xs *lane, k, d int)
//
// out[j][r] = Σ_t c[j*d+t] · xs[t][r] for j < k and the 8 rows r. A lane of 8 rows is two
// YMM registers; four centroids are done together (8 accumulators), the rest one by one.
TEXT ·dotLanesAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DX
	MOVQ c+8(FP), SI
	MOVQ xs+16(FP), DI
	MOVQ k+24(FP), CX
	MOVQ d+32(FP), BX
	MOVQ BX, R11
	SHLQ $3, R11 // bytes per centroid

groups:
	CMPQ CX, $4
	JLT  singles
	LEAQ (SI)(R11*1), R12 // centroid j+1
	LEAQ (R12)(R11*1), R13 // j+2
	LEAQ (R13)(R11*1), R10 // j+3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ R8, R8 // t
	MOVQ DI, R9 // &xs[t]

gloop:
	VMOVUPD      (R9), Y0
	VMOVUPD      32(R9), Y1
	VBROADCASTSD (SI)(R8*8), Y2
	VFMADD231PD  Y0, Y2, Y4
	VFMADD231PD  Y1, Y2, Y5
	VBROADCASTSD (R12)(R8*8), Y3
	VFMADD231PD  Y0, Y3, Y6
	VFMADD231PD  Y1, Y3, Y7
	VBROADCASTSD (R13)(R8*8), Y2
	VFMADD231PD  Y0, Y2, Y8
	VFMADD231PD  Y1, Y2, Y9
	VBROADCASTSD (R10)(R8*8), Y3
	VFMADD231PD  Y0, Y3, Y10
	VFMADD231PD  Y1, Y3, Y11
	ADDQ         $64, R9
	INCQ         R8
	CMPQ         R8, BX
	JLT          gloop

	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	VMOVUPD Y6, 64(DX)
	VMOVUPD Y7, 96(DX)
	VMOVUPD Y8, 128(DX)
	VMOVUPD Y9, 160(DX)
	VMOVUPD Y10, 192(DX)
	VMOVUPD Y11, 224(DX)
	ADDQ    $256, DX
	LEAQ    (R10)(R11*1), SI // centroid j+4
	SUBQ    $4, CX
	JMP     groups

singles:
	TESTQ CX, CX
	JEQ   done
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	XORQ   R8, R8
	MOVQ   DI, R9

sloop:
	VBROADCASTSD (SI)(R8*8), Y2
	VFMADD231PD  (R9), Y2, Y4
	VFMADD231PD  32(R9), Y2, Y5
	ADDQ         $64, R9
	INCQ         R8
	CMPQ         R8, BX
	JLT          sloop

	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	ADDQ    $64, DX
	ADDQ    R11, SI
	DECQ    CX
	JMP     singles

done:
	VZEROUPPER
	RET

// func argminLanesAVX2(dots *lane, cnorm *float64, k int, best, next, label *lane)
//
// For the 8 rows r: v_j = cnorm[j] − 2·dots[j][r]; best[r] is the smallest v_j, label[r]
// its first j (as a float64), next[r] the second smallest. k ≥ 1.
TEXT ·argminLanesAVX2(SB), NOSPLIT, $0-48
	MOVQ dots+0(FP), SI
	MOVQ cnorm+8(FP), DI
	MOVQ k+16(FP), CX
	MOVQ $0xc000000000000000, AX // −2.0
	MOVQ AX, X12
	VBROADCASTSD X12, Y12
	MOVQ $0x3ff0000000000000, AX // 1.0
	MOVQ AX, X14
	VBROADCASTSD X14, Y14
	MOVQ $0x7ff0000000000000, AX // +Inf
	MOVQ AX, X0
	VBROADCASTSD X0, Y0 // best, rows 0-3
	VMOVAPD Y0, Y1      // best, rows 4-7
	VMOVAPD Y0, Y2      // next
	VMOVAPD Y0, Y3
	VXORPD  Y4, Y4, Y4  // label
	VXORPD  Y5, Y5, Y5
	VXORPD  Y13, Y13, Y13 // j

loop:
	VBROADCASTSD (DI), Y6
	VMOVUPD      (SI), Y7
	VMOVUPD      32(SI), Y8
	VFMADD213PD  Y6, Y12, Y7 // v = −2·dot + ‖c‖²
	VFMADD213PD  Y6, Y12, Y8
	VMAXPD       Y7, Y0, Y9  // next = min(next, max(best, v))
	VMINPD       Y9, Y2, Y2
	VMAXPD       Y8, Y1, Y10
	VMINPD       Y10, Y3, Y3
	VCMPPD       $1, Y0, Y7, Y9  // v < best
	VBLENDVPD    Y9, Y13, Y4, Y4 // label = j where v < best
	VMINPD       Y7, Y0, Y0
	VCMPPD       $1, Y1, Y8, Y10
	VBLENDVPD    Y10, Y13, Y5, Y5
	VMINPD       Y8, Y1, Y1
	VADDPD       Y14, Y13, Y13
	ADDQ         $64, SI
	ADDQ         $8, DI
	DECQ         CX
	JNZ          loop

	MOVQ    best+24(FP), AX
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, 32(AX)
	MOVQ    next+32(FP), AX
	VMOVUPD Y2, (AX)
	VMOVUPD Y3, 32(AX)
	MOVQ    label+40(FP), AX
	VMOVUPD Y4, (AX)
	VMOVUPD Y5, 32(AX)
	VZEROUPPER
	RET
