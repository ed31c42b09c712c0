// Package queueview is the queues' read model: the view of each queue's
// stream, written by the append that changes it (commands.QueueHandler),
// folded again from the log by audit's verify and rebuild, and read by
// the API and fbsessionctl to list queues and find one by name or id.
//
// A queue's view is the JSON of its state. A live queue's is listed
// under ListKey; a removed queue's is listed nowhere, so that listing
// reads live queues only, and looking its name up finds it removed.
package queueview
