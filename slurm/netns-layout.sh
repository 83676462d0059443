# netns-layout.sh - names and addresses of the namespace cluster (start-netns-cluster.sh), shared by its
# start and stop scripts; test/cluster/netns-slurm.ts spells the same values. Sourced, never run.
# shellcheck shell=bash
NETNS_BRIDGE=p4mlbr0
NETNS_HOST_ADDR=10.77.0.1
NETNS_CTLD_PORT=6917
NETNS_SLURMD_PORT=6918
NETNS_HOSTS_MARK="# prov4ml-netns-cluster"
netns_node() { printf 'nsnode%02d' "$1"; }            # <index 1-9>: the node's (and its namespace's) name
netns_addr() { echo "10.77.0.$((10 + $1))"; }          # its address on the bridge
netns_outer_link() { printf 'p4mlv%02d' "$1"; }        # the veth end on the bridge: down = node cut off
netns_inner_link() { printf 'p4mln%02d' "$1"; }        # the veth end inside the namespace
