package pgstore

// ReadBatches is how many batches of reads were sent since the last call.
func ReadBatches() int64 { return readBatches.Swap(0) }
