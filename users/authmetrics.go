package users

import "github.com/prometheus/client_golang/prometheus"

// Why an authentication failed, the closed label set of
// fbsession_auth_failures_total.
const (
	reasonBadPassword = "bad_password"
	reasonUnknownUser = "unknown_user"
	reasonDisabled    = "disabled"
	reasonThrottled   = "throttled"
	reasonBusy        = "busy"
)

func (o outcome) reason() string {
	switch o {
	case unknownUser:
		return reasonUnknownUser
	case disabledUser:
		return reasonDisabled
	}
	return reasonBadPassword
}

func newFailureCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fbsession_auth_failures_total",
		Help: "Failed authentications by reason: bad_password, unknown_user, disabled, " +
			"throttled (too many failures for the user name or client address), busy (no bcrypt check slot in time).",
	}, []string{"reason"})
	// Every reason shows from the start, at 0, so that rates need no absent().
	for _, r := range []string{reasonBadPassword, reasonUnknownUser, reasonDisabled, reasonThrottled, reasonBusy} {
		c.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}
