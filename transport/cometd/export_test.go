package cometd

// SetSubscriptionPendingLimit makes each user's NATS subscription drop
// messages past n waiting, to test a slow consumer.
func SetSubscriptionPendingLimit(s *Server, n int) { s.feed.pendingMsgs = n }
