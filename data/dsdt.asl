/*
 * DSDT of kvmdesk's PC: i440FX host bridge, PIIX3 ISA bridge with its PCI interrupt links,
 * PIIX4 power management. Compiled by iasl at build time and embedded in kvmdesk, which patches
 * the PCI memory window (PMIN/PMAX) to the VM's RAM size before handing the table out.
 *
 * The PCI routing (_PRT and the LNKA-LNKD links) must match the PIIX3 model in src/hw/piix3.c
 * and the swizzle in src/hw/pci.c: INTx of slot S goes to PIRQ (x + S - 1) mod 4.
 */
DefinitionBlock ("", "DSDT", 1, "KVMDSK", "KDPCDSDT", 0x00000001)
{
    /* Patched at run time (src/hw/acpi.c): first and last address of the 32-bit PCI window. */
    Name (PMIN, 0x12345678)
    Name (PMAX, 0x87654321)

    /* Sleep states: S5 (soft off) is SLP_TYP 0, which src/hw/piix4-pm.c turns into power-off. */
    Name (\_S0, Package (0x04) { Zero, Zero, Zero, Zero })
    Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)

            Name (CRES, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,, , TypeStatic)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,, , TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000,,, , AddressRangeMemory, TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000,,, PW32, AddressRangeMemory, TypeStatic)
            })

            Method (_CRS, 0, NotSerialized)
            {
                CreateDWordField (CRES, \_SB.PCI0.PW32._MIN, PS32)
                CreateDWordField (CRES, \_SB.PCI0.PW32._MAX, PE32)
                CreateDWordField (CRES, \_SB.PCI0.PW32._LEN, PL32)
                PS32 = \PMIN
                PE32 = \PMAX
                PL32 = ((\PMAX - \PMIN) + One)
                Return (CRES)
            }

            /* One entry per slot 1-31 and pin: INTx of slot S uses link (x + S - 1) mod 4. */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While ((Local1 < 0x80))
                {
                    Local2 = (Local1 >> 0x02)
                    Local3 = (Local1 & 0x03)
                    Local4 = ((Local2 + Local3 + 0x03) & 0x03)
                    If ((Local4 == Zero))
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKA, Zero }
                    }
                    ElseIf ((Local4 == One))
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKB, Zero }
                    }
                    ElseIf ((Local4 == 0x02))
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKC, Zero }
                    }
                    Else
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKD, Zero }
                    }
                    Local5 [Zero] = ((Local2 << 0x10) | 0xFFFF)
                    Local5 [One] = Local3
                    Local0 [Local1] = Local5
                    Local1++
                }
                Return (Local0)
            }

            /*
             * ACPI PCI hotplug (src/hw/pci-hotplug.c): the monitor's pci_add and pci_del set
             * slot bits in PCIU (a card arrived) or PCID (please let it go) and raise GPE0
             * bit 1; _E01 acknowledges them (write 1 to clear) and notifies each slot: Bus
             * Check (1) to scan it, Eject Request (3) to stop its driver, after which the OS
             * runs the slot's _EJ0 and the card goes. Slots 3-31 are hotplug slots; 0-2 hold
             * the board's own functions and the display.
             */
            OperationRegion (PCHP, SystemIO, 0xAE00, 0x10)
            Field (PCHP, DWordAcc, NoLock, WriteAsZeros)
            {
                PCIU, 32,
                PCID, 32,
                B0EJ, 32,
                PRMV, 32
            }

            Method (PCEJ, 1, NotSerialized)
            {
                B0EJ = (One << Arg0)
            }

            /* Notify every slot whose bit is set in Arg0 with the code Arg1. */
            Method (PCNF, 2, NotSerialized)
            {
                If ((Arg0 & 0x00000008)) { Notify (S03, Arg1) }
                If ((Arg0 & 0x00000010)) { Notify (S04, Arg1) }
                If ((Arg0 & 0x00000020)) { Notify (S05, Arg1) }
                If ((Arg0 & 0x00000040)) { Notify (S06, Arg1) }
                If ((Arg0 & 0x00000080)) { Notify (S07, Arg1) }
                If ((Arg0 & 0x00000100)) { Notify (S08, Arg1) }
                If ((Arg0 & 0x00000200)) { Notify (S09, Arg1) }
                If ((Arg0 & 0x00000400)) { Notify (S0A, Arg1) }
                If ((Arg0 & 0x00000800)) { Notify (S0B, Arg1) }
                If ((Arg0 & 0x00001000)) { Notify (S0C, Arg1) }
                If ((Arg0 & 0x00002000)) { Notify (S0D, Arg1) }
                If ((Arg0 & 0x00004000)) { Notify (S0E, Arg1) }
                If ((Arg0 & 0x00008000)) { Notify (S0F, Arg1) }
                If ((Arg0 & 0x00010000)) { Notify (S10, Arg1) }
                If ((Arg0 & 0x00020000)) { Notify (S11, Arg1) }
                If ((Arg0 & 0x00040000)) { Notify (S12, Arg1) }
                If ((Arg0 & 0x00080000)) { Notify (S13, Arg1) }
                If ((Arg0 & 0x00100000)) { Notify (S14, Arg1) }
                If ((Arg0 & 0x00200000)) { Notify (S15, Arg1) }
                If ((Arg0 & 0x00400000)) { Notify (S16, Arg1) }
                If ((Arg0 & 0x00800000)) { Notify (S17, Arg1) }
                If ((Arg0 & 0x01000000)) { Notify (S18, Arg1) }
                If ((Arg0 & 0x02000000)) { Notify (S19, Arg1) }
                If ((Arg0 & 0x04000000)) { Notify (S1A, Arg1) }
                If ((Arg0 & 0x08000000)) { Notify (S1B, Arg1) }
                If ((Arg0 & 0x10000000)) { Notify (S1C, Arg1) }
                If ((Arg0 & 0x20000000)) { Notify (S1D, Arg1) }
                If ((Arg0 & 0x40000000)) { Notify (S1E, Arg1) }
                If ((Arg0 & 0x80000000)) { Notify (S1F, Arg1) }
            }

            Method (PCNT, 0, Serialized)
            {
                Local0 = PCIU
                Local1 = PCID
                PCIU = Local0
                PCID = Local1
                PCNF (Local0, One)
                PCNF (Local1, 0x03)
            }

            Device (S03) { Name (_ADR, 0x00030000) Name (_SUN, 3) Method (_EJ0, 1) { PCEJ (3) } }
            Device (S04) { Name (_ADR, 0x00040000) Name (_SUN, 4) Method (_EJ0, 1) { PCEJ (4) } }
            Device (S05) { Name (_ADR, 0x00050000) Name (_SUN, 5) Method (_EJ0, 1) { PCEJ (5) } }
            Device (S06) { Name (_ADR, 0x00060000) Name (_SUN, 6) Method (_EJ0, 1) { PCEJ (6) } }
            Device (S07) { Name (_ADR, 0x00070000) Name (_SUN, 7) Method (_EJ0, 1) { PCEJ (7) } }
            Device (S08) { Name (_ADR, 0x00080000) Name (_SUN, 8) Method (_EJ0, 1) { PCEJ (8) } }
            Device (S09) { Name (_ADR, 0x00090000) Name (_SUN, 9) Method (_EJ0, 1) { PCEJ (9) } }
            Device (S0A) { Name (_ADR, 0x000A0000) Name (_SUN, 10) Method (_EJ0, 1) { PCEJ (10) } }
            Device (S0B) { Name (_ADR, 0x000B0000) Name (_SUN, 11) Method (_EJ0, 1) { PCEJ (11) } }
            Device (S0C) { Name (_ADR, 0x000C0000) Name (_SUN, 12) Method (_EJ0, 1) { PCEJ (12) } }
            Device (S0D) { Name (_ADR, 0x000D0000) Name (_SUN, 13) Method (_EJ0, 1) { PCEJ (13) } }
            Device (S0E) { Name (_ADR, 0x000E0000) Name (_SUN, 14) Method (_EJ0, 1) { PCEJ (14) } }
            Device (S0F) { Name (_ADR, 0x000F0000) Name (_SUN, 15) Method (_EJ0, 1) { PCEJ (15) } }
            Device (S10) { Name (_ADR, 0x00100000) Name (_SUN, 16) Method (_EJ0, 1) { PCEJ (16) } }
            Device (S11) { Name (_ADR, 0x00110000) Name (_SUN, 17) Method (_EJ0, 1) { PCEJ (17) } }
            Device (S12) { Name (_ADR, 0x00120000) Name (_SUN, 18) Method (_EJ0, 1) { PCEJ (18) } }
            Device (S13) { Name (_ADR, 0x00130000) Name (_SUN, 19) Method (_EJ0, 1) { PCEJ (19) } }
            Device (S14) { Name (_ADR, 0x00140000) Name (_SUN, 20) Method (_EJ0, 1) { PCEJ (20) } }
            Device (S15) { Name (_ADR, 0x00150000) Name (_SUN, 21) Method (_EJ0, 1) { PCEJ (21) } }
            Device (S16) { Name (_ADR, 0x00160000) Name (_SUN, 22) Method (_EJ0, 1) { PCEJ (22) } }
            Device (S17) { Name (_ADR, 0x00170000) Name (_SUN, 23) Method (_EJ0, 1) { PCEJ (23) } }
            Device (S18) { Name (_ADR, 0x00180000) Name (_SUN, 24) Method (_EJ0, 1) { PCEJ (24) } }
            Device (S19) { Name (_ADR, 0x00190000) Name (_SUN, 25) Method (_EJ0, 1) { PCEJ (25) } }
            Device (S1A) { Name (_ADR, 0x001A0000) Name (_SUN, 26) Method (_EJ0, 1) { PCEJ (26) } }
            Device (S1B) { Name (_ADR, 0x001B0000) Name (_SUN, 27) Method (_EJ0, 1) { PCEJ (27) } }
            Device (S1C) { Name (_ADR, 0x001C0000) Name (_SUN, 28) Method (_EJ0, 1) { PCEJ (28) } }
            Device (S1D) { Name (_ADR, 0x001D0000) Name (_SUN, 29) Method (_EJ0, 1) { PCEJ (29) } }
            Device (S1E) { Name (_ADR, 0x001E0000) Name (_SUN, 30) Method (_EJ0, 1) { PCEJ (30) } }
            Device (S1F) { Name (_ADR, 0x001F0000) Name (_SUN, 31) Method (_EJ0, 1) { PCEJ (31) } }

            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                /* PIIX3 PIRQRC[A:D]: bit 7 disables the route, bits 3:0 give the IRQ. */
                OperationRegion (P40C, PCI_Config, 0x60, 0x04)
                Field (P40C, ByteAcc, NoLock, Preserve)
                {
                    PRQ0, 8,
                    PRQ1, 8,
                    PRQ2, 8,
                    PRQ3, 8
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x10, 0x02,)
                        IRQNoFlags () {8}
                    })
                }

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (0x0F)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01,)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01,)
                        IRQNoFlags () {1}
                    })
                }

                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (0x0F)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (0x0F)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08,)
                        IRQNoFlags () {4}
                    })
                }
            }
        }

        /* IRQs a PCI link may use: level-triggered, active-high, shareable. */
        Name (PRSA, ResourceTemplate ()
        {
            Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, ,, )
            {
                0x00000005, 0x0000000A, 0x0000000B
            }
        })

        Method (IQST, 1, NotSerialized)
        {
            If ((0x80 & Arg0))
            {
                Return (0x09)
            }
            Return (0x0B)
        }

        Method (IQCR, 1, Serialized)
        {
            Name (PRR0, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, ,, _Y00)
                {
                    0x00000000
                }
            })
            CreateDWordField (PRR0, \_SB.IQCR._Y00._INT, PRRI)
            If ((Arg0 < 0x80))
            {
                PRRI = (Arg0 & 0x0F)
            }
            Return (PRR0)
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, Zero)
            Method (_PRS, 0, NotSerialized) { Return (PRSA) }
            Method (_STA, 0, NotSerialized) { Return (IQST (\_SB.PCI0.ISA.PRQ0)) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQ0 |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (IQCR (\_SB.PCI0.ISA.PRQ0)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, PRRI)
                \_SB.PCI0.ISA.PRQ0 = PRRI
            }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Method (_PRS, 0, NotSerialized) { Return (PRSA) }
            Method (_STA, 0, NotSerialized) { Return (IQST (\_SB.PCI0.ISA.PRQ1)) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQ1 |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (IQCR (\_SB.PCI0.ISA.PRQ1)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, PRRI)
                \_SB.PCI0.ISA.PRQ1 = PRRI
            }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x02)
            Method (_PRS, 0, NotSerialized) { Return (PRSA) }
            Method (_STA, 0, NotSerialized) { Return (IQST (\_SB.PCI0.ISA.PRQ2)) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQ2 |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (IQCR (\_SB.PCI0.ISA.PRQ2)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, PRRI)
                \_SB.PCI0.ISA.PRQ2 = PRRI
            }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x03)
            Method (_PRS, 0, NotSerialized) { Return (PRSA) }
            Method (_STA, 0, NotSerialized) { Return (IQST (\_SB.PCI0.ISA.PRQ3)) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQ3 |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (IQCR (\_SB.PCI0.ISA.PRQ3)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, PRRI)
                \_SB.PCI0.ISA.PRQ3 = PRRI
            }
        }
    }

    Scope (\_GPE)
    {
        Name (_HID, "ACPI0006")

        /* GPE0 bit 1: PCI hotplug. */
        Method (_E01, 0, NotSerialized)
        {
            \_SB.PCI0.PCNT ()
        }
    }
}
