package gateway

import "github.com/alipay-mock/alipay-mock/mock/domain"

// Answering while the change is written (--data). The calls that open or
// pay a trade hand the trade book the call's Ack (answerLater): the book
// returns at once, the gateway encodes and signs the answer (the RSA
// signature is most of a request's CPU) while the group commit writes the
// change, and the answer waits for the change to be on disk (durable)
// just before it leaves. So an answer never reaches the client before the
// change it reports survives a crash, and the commit's wait costs the
// client little more than the signature it needs anyway.

// answerLater is the call's context with its Ack, when nothing after the
// domain call but the answer depends on it: no forced outcome, and no
// scenario buyer scheduled after the call (afterCall).
func (cl *call) answerLater() domain.Context {
	c := cl.context()
	if cl.outcome == nil && (cl.plan == nil || cl.plan.Action.Buyer == nil) {
		c.Ack = &cl.ack
	}
	return c
}

// durable waits until what the call changed is on disk. When that failed,
// it returns the answer to send instead (20000 isp.unknow-error, as when
// the book waits itself).
func (g *Gateway) durable(cl *call) (reply, bool) {
	if !cl.ack.Pending() {
		return reply{}, false
	}
	err := cl.ack.Wait()
	if err == nil || cl.unstored == nil {
		return reply{}, false
	}
	return cl.unstored(g.asAPI(err)), true
}
