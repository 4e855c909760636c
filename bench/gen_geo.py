#!/usr/bin/env python3
"""Writes the synthetic data behind `BENCH_POLICY=1` (see bench/README.md).

    bench/gen_geo.py OUTDIR

OUTDIR gets, next to where bench/policy.toml is copied:

- geo.csv: a full country database in swarmgate's plain range CSV flavour
  (`start,end,country_code`, the layout of DB-IP Lite). The IPv4 rows cover
  the whole IPv4 space without gaps: about 300,000 ranges of random size in
  public space, each placed in a country drawn from about 240 assigned ISO
  3166-1 alpha-2 codes weighted towards the big ones, with reserved blocks
  (0/8, 10/8, 127/8, 224/3, ...) as single `ZZ` rows, as DB-IP writes them.
  `ZZ` is not an assigned code, so those addresses, loopback included,
  stay `unknown`. About 100,000 IPv6 ranges split 2000::/3; the rest of the
  IPv6 space is `ZZ`.
- vpn-exits.txt, hosting.txt, office.txt: CIDR lists (a few thousand, about
  1,500 and a handful of entries), all outside the reserved blocks, so none
  of them holds a loopback address.

Deterministic: the same seed writes the same files. Standard library only.
"""

import argparse
import ipaddress
import itertools
import os
import random
import sys

# ISO 3166-1 alpha-2 codes that swarmgate accepts (crates/policy/src/
# country.rs), without the uninhabited ones no database places addresses in.
CODES = """
AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL
BM BN BO BQ BR BS BT BW BY BZ CA CD CF CG CH CI CK CL CM CN CO CR CU CV CW
CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE
GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IQ
IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX
MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS
PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS
ST SV SX SY SZ TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ
VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
""".split()

# Rough shares of address space; every other code weighs 0.05.
BIG = {
    "US": 30, "CN": 9, "JP": 5, "DE": 3.5, "GB": 3.5, "KR": 3, "BR": 2.5,
    "FR": 2.5, "CA": 2, "IT": 1.5, "RU": 1.3, "AU": 1.3, "NL": 1.3,
    "IN": 1.2, "TW": 1, "MX": 0.9, "ES": 0.9, "SE": 0.8, "EG": 0.6,
    "ZA": 0.6, "VN": 0.5, "PL": 0.5, "ID": 0.5, "TR": 0.5, "AR": 0.5,
    "CH": 0.5, "CO": 0.4, "IR": 0.4, "TH": 0.4, "UA": 0.4, "BE": 0.4,
    "SG": 0.3, "HK": 0.3, "MY": 0.3, "FI": 0.3, "NO": 0.3, "DK": 0.3,
    "AT": 0.3, "CL": 0.3, "RO": 0.3, "PH": 0.3, "SA": 0.3, "IL": 0.3,
    "CZ": 0.2, "PT": 0.2, "NZ": 0.2, "IE": 0.2, "GR": 0.2, "HU": 0.2,
    "PK": 0.2, "BD": 0.2, "NG": 0.2, "KE": 0.2, "MA": 0.2, "VE": 0.2,
}

# Blocks that no database places in a country (RFC 6890 and friends).
RESERVED_V4 = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/3",
]


def v4(n):
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def v6(n):
    return str(ipaddress.IPv6Address(n))


def reserved_v4():
    blocks = []
    for cidr in RESERVED_V4:
        net = ipaddress.IPv4Network(cidr)
        blocks.append((int(net.network_address), int(net.broadcast_address)))
    return sorted(blocks)


def is_reserved(addr, blocks):
    return any(lo <= addr <= hi for lo, hi in blocks)


class Countries:
    def __init__(self, rng):
        self.rng = rng
        self.codes = CODES
        self.cum = list(itertools.accumulate(BIG.get(c, 0.05) for c in CODES))
        self.used = set()

    def pick(self, previous):
        """A country other than `previous`: neighbours that agree would be
        merged into one range by the loader."""
        while True:
            code = self.rng.choices(self.codes, cum_weights=self.cum)[0]
            if code != previous:
                self.used.add(code)
                return code


def v4_rows(rng, countries, count):
    """(start, end, code) covering 0.0.0.0-255.255.255.255 in order."""
    blocks = reserved_v4()
    # Cut public space at random /24 boundaries; the block edges are cuts too.
    cuts = set()
    for lo, hi in blocks:
        cuts.add(lo >> 8)
        cuts.add((hi + 1) >> 8)
    want = count - 1
    while len(cuts) < want:
        c = rng.randrange(1, 1 << 24)
        if not is_reserved(c << 8, blocks):
            cuts.add(c)
    cuts.discard(0)
    cuts.discard(1 << 24)
    edges = [0] + sorted(cuts) + [1 << 24]
    rows = []
    previous = None
    for a, b in zip(edges, edges[1:]):
        start, end = a << 8, (b << 8) - 1
        if is_reserved(start, blocks):
            code = "ZZ"
        else:
            code = countries.pick(previous)
        if rows and rows[-1][2] == "ZZ" and code == "ZZ":
            rows[-1] = (rows[-1][0], end, "ZZ")
        else:
            rows.append((start, end, code))
        previous = code
    return rows


def v6_rows(rng, countries, count):
    """2000::/3 cut at random /48 boundaries; the rest of IPv6 is ZZ."""
    lo, hi = 0x2000 << 112, (0x4000 << 112) - 1
    span48 = 1 << 45  # /48s in 2000::/3
    cuts = sorted(rng.sample(range(1, span48), count - 1))
    edges = [0] + cuts + [span48]
    rows = [(0, lo - 1, "ZZ")]
    previous = None
    for a, b in zip(edges, edges[1:]):
        code = countries.pick(previous)
        rows.append((lo + (a << 80), lo + (b << 80) - 1, code))
        previous = code
    rows.append((hi + 1, (1 << 128) - 1, "ZZ"))
    return rows


def cidr_list(rng, count, prefixes, v6_share, header):
    blocks = reserved_v4()
    lines = [f"# {header}", "# generated by bench/gen_geo.py"]
    while len(lines) - 2 < count:
        if rng.random() < v6_share:
            prefix = rng.choice([32, 40, 48, 56, 64])
            addr = (0x2000 << 112) | rng.getrandbits(125)
            net = ipaddress.IPv6Network((addr, prefix), strict=False)
            lines.append(str(net))
        else:
            prefix = rng.choice(prefixes)
            net = ipaddress.IPv4Network((rng.getrandbits(32), prefix), strict=False)
            first, last = int(net.network_address), int(net.broadcast_address)
            if any(first <= bh and last >= bl for bl, bh in blocks):
                continue
            lines.append(str(net) if prefix < 32 else str(net.network_address))
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--v4-ranges", type=int, default=300_000)
    p.add_argument("--v6-ranges", type=int, default=100_000)
    p.add_argument("--vpn-exits", type=int, default=3_000)
    p.add_argument("--hosting", type=int, default=1_500)
    p.add_argument("--seed", type=int, default=20240601)
    args = p.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    rng = random.Random(args.seed)
    countries = Countries(rng)
    rows4 = v4_rows(rng, countries, args.v4_ranges)
    rows6 = v6_rows(rng, countries, args.v6_ranges)
    with open(os.path.join(args.outdir, "geo.csv"), "w") as f:
        f.write("# synthetic country database written by bench/gen_geo.py "
                f"(seed {args.seed}); not real data\n")
        f.write("start,end,country_code\n")
        f.writelines(f"{v4(s)},{v4(e)},{c}\n" for s, e, c in rows4)
        f.writelines(f"{v6(s)},{v6(e)},{c}\n" for s, e, c in rows6)

    lists = {
        "vpn-exits.txt": cidr_list(rng, args.vpn_exits, [20, 22, 24, 24, 26, 28, 32, 32], 0.15,
                                   "VPN and proxy exits (synthetic)"),
        "hosting.txt": cidr_list(rng, args.hosting, [14, 16, 18, 20, 22], 0.25,
                                 "hosting providers (synthetic)"),
        "office.txt": cidr_list(rng, 6, [24, 28, 32], 0.3, "our offices (synthetic)"),
    }
    for name, text in lists.items():
        with open(os.path.join(args.outdir, name), "w") as f:
            f.write(text)

    print(f"geo.csv: {len(rows4)} IPv4 rows, {len(rows6)} IPv6 rows, "
          f"{len(countries.used)} countries; lists: "
          + ", ".join(f"{n} {t.count(chr(10)) - 2}" for n, t in lists.items()))


if __name__ == "__main__":
    sys.exit(main())
