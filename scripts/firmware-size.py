#!/usr/bin/env python3
"""Prints the ESP32-C3 firmware's flash image size and static RAM from its ELF file.

Flash: every loadable segment's bytes in the file (code and constants mapped from flash, plus
the initial values of RAM data that the bootloader copies). Static RAM: the sections placed in
the C3's internal SRAM (code run from RAM, data, bss with the static heap arena), not counting
the linker's placeholders, the stack (whatever SRAM is left) and the bootloader's memory that is
reclaimed as heap after boot (both printed apart).
Usage: firmware-size.py ELF [--max-flash-kib N] (fails when the image outgrows N KiB).
"""
import struct
import sys

# ESP32-C3 internal SRAM seen through the data bus and the instruction bus.
RAM = [(0x3FC80000, 0x3FCE0000), (0x4037C000, 0x403E0000)]


def segments(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1:
        sys.exit(f"{path}: not a 32-bit ELF file")
    phoff, = struct.unpack_from("<I", data, 0x1C)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2A)
    for i in range(phnum):
        p_type, _, vaddr, _, filesz, memsz, _, _ = struct.unpack_from("<8I", data, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            yield vaddr, filesz, memsz


def sections(path):
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    headers = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    for name, _, flags, addr, _, size, *_ in headers:
        end = data.index(b"\0", names_at + name)
        if flags & 0x2:  # SHF_ALLOC
            yield data[names_at + name:end].decode(), addr, size


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    limit = None
    if "--max-flash-kib" in args:
        limit = int(args[args.index("--max-flash-kib") + 1])
    flash = sum(filesz for _, filesz, _ in segments(args[0]))
    ram = stack = reclaimed = 0
    for name, addr, size in sections(args[0]):
        if not any(lo <= addr < hi for lo, hi in RAM) or name.endswith("_dummy"):
            continue
        if name == ".stack":
            stack += size
        elif name == ".dram2_uninit":
            reclaimed += size
        else:
            ram += size
    kib = lambda n: f"{n} bytes ({n / 1024:.1f} KiB)"
    print(f"flash image: {kib(flash)}; static RAM: {kib(ram)}; stack: {kib(stack)}; "
          f"reclaimed after boot (heap): {kib(reclaimed)}")
    if limit is not None and flash > limit * 1024:
        sys.exit(f"the image ({flash / 1024:.1f} KiB) no longer fits the {limit} KiB app partition")


main()
