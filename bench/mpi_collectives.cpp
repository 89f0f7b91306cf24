// OSU-style timings of the two collectives a distributed pass could use, on whatever
// network mpirun gives (loopback on one machine): MPI_Allreduce (sum of floats, the order
// MPI chooses) and MPI_Allgatherv of one part per rank (what autorec-train-mpi's
// fixed-order sum sends). For each message size (the bytes one rank contributes to the
// sum, k x B floats), the mean time of `iterations` calls after warm-up calls, the slowest
// rank's, and the bandwidth that implies. Run: mpirun -np 2 bench/mpi_collectives
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const long largest = argc > 1 ? std::atol(argv[1]) : 64L << 20;
  if (rank == 0)
    std::printf("%d ranks; per call: bytes = one rank's part; time = mean over calls, slowest rank\n"
                "%12s %14s %14s %16s %16s\n",
                ranks, "bytes", "allreduce us", "allgather us", "allreduce GB/s", "allgather GB/s");
  for (long bytes = 1024; bytes <= largest; bytes *= 4) {
    const int count = int(bytes / sizeof(float));
    const auto n = static_cast<std::size_t>(count), r_count = static_cast<std::size_t>(ranks);
    std::vector<float> send(n, 1.0f), sum(n), all(n * r_count);
    std::vector<int> counts(r_count, count), offsets(r_count);
    for (int r = 0; r < ranks; ++r) offsets[std::size_t(r)] = r * count;
    const int iterations = int(std::clamp(long(200e6 / double(bytes)), 5L, 1000L));
    double seconds[2];
    for (int which = 0; which < 2; ++which) {
      auto call = [&] {
        if (which == 0)
          MPI_Allreduce(send.data(), sum.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        else
          MPI_Allgatherv(send.data(), count, MPI_FLOAT, all.data(), counts.data(), offsets.data(), MPI_FLOAT,
                         MPI_COMM_WORLD);
      };
      for (int i = 0; i < 3; ++i) call();
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int i = 0; i < iterations; ++i) call();
      double mine = (MPI_Wtime() - start) / iterations;
      MPI_Allreduce(&mine, &seconds[which], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
    if (rank == 0)
      std::printf("%12ld %14.1f %14.1f %16.2f %16.2f\n", bytes, seconds[0] * 1e6, seconds[1] * 1e6,
                  double(bytes) / seconds[0] / 1e9, double(bytes) * ranks / seconds[1] / 1e9);
  }
  MPI_Finalize();
  return 0;
}
