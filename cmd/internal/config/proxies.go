package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// prefixes is the pflag.Value of --trusted-proxies: comma-separated
// networks, each checked as it is set, so that a typo fails at start
// instead of silently trusting nothing (or the wrong network).
type prefixes struct {
	p *[]netip.Prefix
	// envErr is FBSESSION_TRUSTED_PROXIES' error, reported by Validate
	// unless the flag replaced the value.
	envErr *error
}

func (v prefixes) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, p := range *v.p {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (v prefixes) Type() string { return "cidrs" }

func (v prefixes) Set(s string) error {
	ps, err := parsePrefixes(s)
	if err != nil {
		return err
	}
	*v.p, *v.envErr = ps, nil
	return nil
}

// parsePrefixes reads comma-separated networks; a bare address is the
// network of that one address. A network written with host bits set
// (10.0.0.1/8) is refused rather than masked: it is more likely a typo
// for a narrower network than a wish to trust 16 million addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var (
		out  []netip.Prefix
		errs []error
	)
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := parsePrefix(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q: not an address or a CIDR network", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q: %w", s, err)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q has host bits set: did you mean %s?", s, m)
	}
	return p, nil
}
