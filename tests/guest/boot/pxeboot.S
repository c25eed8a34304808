/*
 * A PXE network bootstrap program for the NIC tests (tests/system/linux-guest.sh): iPXE loads
 * it over TFTP from the user-mode backend to 0:7C00 and runs it in real mode; it prints through
 * the BIOS and ends the VM through the isa-debug-exit port 0xf4 with 0x23 (exit status 71).
 */
#include "bios.inc"

	.code16
	.text
	.globl start
start:
	BOOT_START
	BOOT_PASS hello, 0x23

	BOOT_ROUTINES hello

hello:	.asciz "kvmdesk PXE boot over TFTP\r\n\r\n"
