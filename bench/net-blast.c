/*
 * Sends frames of SIZE bytes on IFNAME as fast as the kernel takes them, for SECONDS (the far
 * end of bench/net.sh's receive measurement). Usage: net-blast IFNAME SIZE SECONDS
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_ll to = { 0 };
	unsigned char frame[1514];
	struct timespec t0, now;
	unsigned long sent = 0;
	int fd, size, seconds;

	if (argc != 4)
		return 2;
	size = atoi(argv[2]);
	seconds = atoi(argv[3]);
	if (size < 60 || size > 1514)
		return 2;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	to.sll_family = AF_PACKET;
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	to.sll_halen = 6;
	memset(frame, 0xA5, sizeof(frame));
	memcpy(frame, "\x52\x54\x00\x12\x34\x56\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 256; i++)
			if (sendto(fd, frame, (size_t)size, 0, (struct sockaddr *)&to, sizeof(to)) >
			    0)
				sent++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < seconds);
	printf("blast: sent %lu\n", sent);
	return 0;
}
