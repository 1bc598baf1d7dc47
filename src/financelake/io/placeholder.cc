// Placeholder until the filesystem lands; removed by the io work.
