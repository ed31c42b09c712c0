package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// The environment gives each flag its default. A value that does not
// parse is kept as an error under the flag's name rather than replaced by
// the default: an operator who wrote FBSESSION_STREAM_REPLICAS=three meant
// something, and a server that starts on 1 replica instead hides it. An
// empty value counts as unset, as compose files often pass one.

func (c *Config) envInt(flag, name string, def int) int {
	return envValue(c, flag, name, def, strconv.Atoi)
}

func (c *Config) envBytes(flag, name string, def int64) int64 {
	return envValue(c, flag, name, def, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

func (c *Config) envDuration(flag, name string, def time.Duration) time.Duration {
	return envValue(c, flag, name, def, time.ParseDuration)
}

func (c *Config) envBool(flag, name string, def bool) bool {
	return envValue(c, flag, name, def, strconv.ParseBool)
}

func envValue[T any](c *Config, flag, name string, def T, parse func(string) (T, error)) T {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := parse(s)
	if err != nil {
		if c.envErrs == nil {
			c.envErrs = map[string]error{}
		}
		c.envErrs[flag] = fmt.Errorf("invalid value %q in %s (the default of --%s): %w", s, name, flag, unwrapNum(err))
		return def
	}
	return v
}

// unwrapNum drops strconv's "strconv.Atoi: parsing "x":" prefix, which
// repeats the value the message already quotes.
func unwrapNum(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// EnvError reports the environment values of fs's flags that did not
// parse and that no flag on the command line replaced, each naming its
// variable, so that a bad value stops the start like a bad flag does.
// Call it after parsing fs.
func (c *Config) EnvError(fs *pflag.FlagSet) error {
	var errs []error
	var names []string
	for name := range c.envErrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if f := fs.Lookup(name); f != nil && !f.Changed {
			errs = append(errs, c.envErrs[name])
		}
	}
	return errors.Join(errs...)
}
