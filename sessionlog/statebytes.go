package sessionlog

import fb "github.com/fbsession/fbsession/domain/facebooksession"

// participantOverhead is a participant's struct and slice slot, besides
// its strings.
const participantOverhead = 80

// StateBytes estimates the memory a state's strings and user data take,
// which a client controls and a cache must bound: counted exactly, with a
// fixed overhead per participant. The state's own struct is not counted;
// a cache adds that to its entry's overhead.
func StateBytes(s fb.State) int {
	n := len(s.ID) + len(s.AgentID) + len(s.FacebooksessionType) + len(s.Comment) +
		len(s.ReceivedDate) + len(s.UserData) + len(s.Queue) + len(s.Status)
	for _, u := range s.SuggestedQueueURIs {
		n += 16 + len(u)
	}
	for _, p := range s.Participants {
		n += participantOverhead + len(p.Nickname) + len(p.Type) + len(p.ID) + len(p.Visibility) + len(p.ParticipantID)
	}
	return n
}
