package journal

import "testing"

func TestRingKeepsTheNewest(t *testing.T) {
	var j Journal
	for i := 0; i < Max+5; i++ {
		app := "a"
		if i%2 == 1 {
			app = "b"
		}
		j.Add(Entry{AppID: app})
	}
	all := j.List(Filter{})
	if len(all) != Max || all[0].ID != Max+5 || all[len(all)-1].ID != 6 {
		t.Fatalf("len %d, newest %d, oldest %d", len(all), all[0].ID, all[len(all)-1].ID)
	}
	if e, ok := j.Get(7); !ok || e.ID != 7 {
		t.Error("get by id")
	}
	if _, ok := j.Get(5); ok {
		t.Error("entry 5 fell off")
	}
	if got := j.List(Filter{AppID: "b", Limit: 3}); len(got) != 3 || got[0].ID != Max+4 {
		t.Errorf("filtered: %+v", got)
	}
	j.Clear("a")
	rest := j.List(Filter{})
	if len(rest) != Max/2 || rest[0].ID != Max+4 || rest[0].AppID != "b" {
		t.Fatalf("after clearing a: %d entries, newest %d", len(rest), rest[0].ID)
	}
	n := j.Add(Entry{AppID: "a"})
	if got := j.List(Filter{Limit: 1}); got[0].ID != n {
		t.Error("adding after a clear")
	}
	j.Clear("")
	if len(j.List(Filter{})) != 0 {
		t.Error("clear all")
	}
}
