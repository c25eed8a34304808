/* The DSDT that iasl compiled from data/dsdt.asl, embedded read-only. */
	.section .rodata
	.balign 16
	.globl kd_dsdt_aml, kd_dsdt_aml_end
kd_dsdt_aml:
	.incbin "data/dsdt.aml"
kd_dsdt_aml_end:
	.section .note.GNU-stack, "", @progbits
