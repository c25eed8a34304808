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
    }
}
