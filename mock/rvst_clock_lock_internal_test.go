package mock

import (
	"net/http"
	"testing"
	"time"
)

// rv-st: with --data the clock's hook (persist.go: OnJump(db.PutClock))
// waits for the commit of each move while it holds the clock's lock, so
// every reader of the clock (each gateway request's timestamp check, the
// control API, the dashboard) stalls behind the disk at each move of an
// advance: here GET /_mock/clock does not answer while the data file's
// writer is held back. Readers could be served the reading before the
// move until the move is on disk, as before this change.
func TestRvstClockReadersStallWhileAMoveIsWritten(t *testing.T) {
	s, url := resetMock(t, t.TempDir())
	before := s.db.Stats().Changes
	resume := s.db.Pause()
	defer resume()
	advanced := make(chan int, 1)
	go func() {
		st, _ := postControl(t, url+"/_mock/clock/advance", `{"by":"1h"}`)
		advanced <- st
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.db.Stats().Changes == before { // the move is queued
		if time.Now().After(deadline) {
			t.Fatal("the advance queued nothing")
		}
		time.Sleep(time.Millisecond)
	}
	read := make(chan int, 1)
	go func() {
		resp, err := http.Get(url + "/_mock/clock")
		if err != nil {
			read <- 0
			return
		}
		resp.Body.Close()
		read <- resp.StatusCode
	}()
	answered := false
	select {
	case st := <-read:
		answered = true
		if st != http.StatusOK {
			t.Errorf("GET /_mock/clock: %d", st)
		}
	case <-time.After(5 * time.Second):
		t.Error("GET /_mock/clock did not answer while the advance's move waited for the disk: the clock's lock is held across the commit")
	}
	resume()
	<-advanced
	if !answered {
		<-read
	}
}
